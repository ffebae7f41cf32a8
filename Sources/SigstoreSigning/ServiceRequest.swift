import Foundation
import Plumbing
import TUF

/// One request to a Sigstore service, with the checks every answer gets: a bounded body, a
/// success status (else the service's own message, shortened), and a body that parses.
struct ServiceRequest {
    /// The step a failure belongs to.
    let step: SigningError.Step
    /// The transport.
    let transport: any HTTPTransport
    /// The largest answer read.
    let maximumBytes: Int

    /// Posts `body` to `url` with `contentType`; returns the answer's bytes.
    func post(_ url: URL, body: [UInt8], contentType: String, accept: String, headers: [String: String] = [:]) async throws(SigningError)
        -> [UInt8]
    {
        var fields = headers
        fields["Content-Type"] = contentType
        fields["Accept"] = accept
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(url: url, method: "POST", headers: fields, body: body),
                maximumBytes: maximumBytes
            )
        } catch {
            throw SigningError(step, error)
        }
        guard response.isSuccess else {
            throw SigningError(
                step,
                "\(url.absoluteString): HTTP status \(response.status)\(Self.message(response.body))",
                serviceUnavailable: true
            )
        }
        return response.body
    }

    /// Posts a JSON object; returns the answer as JSON.
    func postJSON(_ url: URL, _ object: JSONValue, headers: [String: String] = [:]) async throws(SigningError) -> JSONValue {
        let body = try await post(
            url,
            body: JSONWriter.prettyPrinted(object),
            contentType: "application/json",
            accept: "application/json",
            headers: headers
        )
        do {
            return try JSONParser(options: .init(maximumDepth: 64, maximumBytes: maximumBytes)).parse(body)
        } catch {
            throw SigningError(step, "\(url.absoluteString) answered with something that is not JSON: \(error)")
        }
    }

    /// The `message` (or `error`) a service put in an error answer, as a suffix; the first
    /// line of a non-JSON answer otherwise. Kept short and printable: it reaches a terminal.
    static func message(_ body: [UInt8]) -> String {
        var text: String
        if case .object(let object)? = try? JSONParser().parse(body),
            let message = object["message"]?.stringValue ?? object["error"]?.stringValue ?? object["detail"]?.stringValue
        {
            text = message
        } else {
            text = String(decoding: body.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }
        text = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(200))
        return text.isEmpty ? "" : ": \(text)"
    }
}
