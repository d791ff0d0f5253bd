import Foundation
import Testing

@testable import Identity

/// The decoder of JWT parts, against Foundation's base64 for the same bytes.
struct Base64URLTests {
    static func encoded(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        Base64URL.decode(Substring(text).utf8)
    }

    @Test func everyLengthAndByteDecodesToWhatWasEncoded() {
        var random = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Self.decode(Self.encoded(bytes)) == bytes, "\(bytes)")
        }
        #expect(Self.decode(Self.encoded(Array(0...255))) == Array(0...255))
        #expect(Self.decode("eyJhbGciOiJIUzI1NiJ9").map { String(decoding: $0, as: UTF8.self) } == #"{"alg":"HS256"}"#)
    }

    @Test(arguments: ["eyJhbGc+", "eyJhbGc/", "eyJhbGc=", "eyJ hbGc", "e", "eyJhb", "QR", "QUF"])
    func textsThatAreNoCanonicalBase64URLAreRefused(text: String) {
        #expect(Self.decode(text) == nil)
    }
}
