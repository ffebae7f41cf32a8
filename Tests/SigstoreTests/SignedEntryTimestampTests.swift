import Foundation
import Sigstore
import TUF
import Testing

/// The SET payload written directly against the same object encoded by the general RFC 8785
/// encoder, which sorts names and escapes strings itself.
@Suite("Signed entry timestamp payload")
struct SignedEntryTimestampTests {
    static func reference(body: [UInt8], integratedTime: Int64, logID: [UInt8], logIndex: Int64) -> [UInt8]? {
        try? RFC8785.encode([
            "logIndex": .integer(logIndex),
            "logID": .string(Hex.encode(logID)),
            "body": .string(Data(body).base64EncodedString()),
            "integratedTime": .integer(integratedTime),
        ])
    }

    @Test func agreesWithTheGeneralEncoder() {
        var generator = SystemRandomNumberGenerator()
        let limit = RFC8785.maximumExactInteger
        let numbers: [Int64] = [0, 1, -1, 1_670_000_000, limit, -limit, limit + 1, -limit - 1, .max, .min]
        for _ in 0..<500 {
            let body = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let logID = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let time =
                Bool.random(using: &generator) ? numbers.randomElement(using: &generator)! : Int64.random(in: 0...limit, using: &generator)
            let index =
                Bool.random(using: &generator) ? numbers.randomElement(using: &generator)! : Int64.random(in: 0...limit, using: &generator)
            let direct = SignedEntryTimestamp.payload(body: body, integratedTime: time, logID: logID, logIndex: index)
            #expect(direct == Self.reference(body: body, integratedTime: time, logID: logID, logIndex: index))
        }
    }

    @Test func refusesNumbersWithoutAnExactForm() {
        let limit = RFC8785.maximumExactInteger
        #expect(SignedEntryTimestamp.payload(body: [1], integratedTime: limit + 1, logID: [2], logIndex: 3) == nil)
        #expect(SignedEntryTimestamp.payload(body: [1], integratedTime: 4, logID: [2], logIndex: -limit - 1) == nil)
        #expect(SignedEntryTimestamp.payload(body: [1], integratedTime: limit, logID: [2], logIndex: -limit) != nil)
    }
}
