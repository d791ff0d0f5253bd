import Foundation
import JSONBytes
import Testing

@Suite struct JSONValueTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(
            #" { "s": "a\"b\\c\/d\n\u00e9\ud83c\udfab", "i": -42, "d": 1.5e2, "z": 0, "t": true, "f": false, "n": null, "a": [1, [], {}] } "#
        )
        #expect(
            value
                == .object([
                    "s": .string("a\"b\\c/d\né🎫"), "i": .integer(-42), "d": .number(150), "z": .integer(0),
                    "t": .bool(true), "f": .bool(false), "n": .null,
                    "a": .array([.integer(1), .array([]), .object([:])]),
                ]))
        #expect(try parse("123456789012345678901234567890") == .number(1.2345678901234568e29))
        #expect(try parse(#""plain ünïcode""#) == .string("plain ünïcode"))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "01", "-", "1.", ".5", "1e", "+1", "NaN",
        "tru", "nul", #""unterminated"#, "\"tab\there\"", #""\x""#, #""\u12""#, #""\ud800""#, #""\ud800\u0041""#,
        #"{"a":1,"a":2}"#, "1 2", "[1] x", "1e999",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let allowed =
            String(repeating: "[", count: JSONValue.maximumDepth)
            + String(repeating: "]", count: JSONValue.maximumDepth)
        _ = try parse(allowed)
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
    }

    @Test func readsWhatFoundationWrites() throws {
        let object: [String: Any] = ["id": "x\u{1}y", "n": 3, "list": ["a", "b"], "nested": ["k": NSNull()]]
        let bytes = Array(try JSONSerialization.data(withJSONObject: object))
        #expect(
            try JSONValue(parsing: bytes)
                == .object([
                    "id": .string("x\u{1}y"), "n": .integer(3), "list": .array([.string("a"), .string("b")]),
                    "nested": .object(["k": .null]),
                ]))
    }
}

@Suite struct JSONWriterTests {
    @Test func writesWhatTheReaderReadsBack() throws {
        var writer = JSONWriter()
        writer.object {
            $0.field("text", "quote \" backslash \\ newline \n control \u{1} ünïcode 🎫")
            $0.field("count", 7)
            $0.field("milliseconds", 1_800_000_000_123.25)
            $0.field("missing", nil as String?)
            $0.field("list") { $0.array(["a", "b"]) { $0.string($1) } }
        }
        #expect(
            try JSONValue(parsing: writer.bytes)
                == .object([
                    "text": .string("quote \" backslash \\ newline \n control \u{1} ünïcode 🎫"), "count": .integer(7),
                    "milliseconds": .number(1_800_000_000_123.25), "missing": .null,
                    "list": .array([.string("a"), .string("b")]),
                ]))
    }
}
