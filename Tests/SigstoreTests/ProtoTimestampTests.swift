import Foundation
import Testing

@testable import Sigstore

/// Protobuf JSON timestamps (RFC 3339), read by arithmetic rather than Foundation's calendar.
@Suite("Protobuf timestamps")
struct ProtoTimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0), ("2021-10-07T13:56:59Z", 1_633_615_019), ("2000-02-29T12:00:00Z", 951_825_600),
        ("2022-04-13T20:06:15.000Z", 1_649_880_375), ("2024-03-19T17:26:26.5Z", 1_710_869_186.5),
        ("2024-03-19T19:26:26+02:00", 1_710_869_186), ("1969-12-31T23:59:59Z", -1),
    ])
    func parses(text: String, seconds: Double) {
        #expect(ProtoTimestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-01-01 00:00:00Z", "2021-01-01T00:00:00", "2021-01-01T24:00:00Z",
        "2021-01-01T00:00:00.Z", "",
    ])
    func refuses(text: String) {
        #expect(ProtoTimestamp.parse(text) == nil)
    }
}
