import Foundation
import Testing

@testable import Postgres

@Suite("Text-format encoding and decoding")
struct PostgresCodingTests {
    @Test func interpolationBindsEveryValue() {
        let id = 42
        let name: String? = nil
        let query: PostgresQuery =
            "SELECT name FROM events WHERE event_id = \(id) AND name = \(name) OR note = \("'x'")"
        #expect(query.sql == "SELECT name FROM events WHERE event_id = $1 AND name = $2 OR note = $3")
        #expect(query.bindings == ["42", nil, "'x'"])
        let literal: PostgresQuery = "SELECT 1"
        #expect(literal.sql == "SELECT 1" && literal.bindings.isEmpty)
    }

    @Test func arrayLiteralsQuoteAndEscape() {
        #expect(["a", "b\"c"].postgresText == #"{"a","b\"c"}"#)
        #expect(["back\\slash", ""].postgresText == #"{"back\\slash",""}"#)
        #expect(([] as [String]).postgresText == "{}")
        #expect(([1, -2] as [Int64]).postgresText == #"{"1","-2"}"#)
        #expect((["x", nil] as [String?]).postgresText == #"{"x",NULL}"#)
        #expect(["ünï\"cødé 🎫"].postgresText == #"{"ünï\"cødé 🎫"}"#)
    }

    @Test func uuidsAreLowercaseHyphenated() {
        for _ in 0..<100 {
            let id = UUID()
            #expect(id.postgresText == id.uuidString.lowercased())
        }
    }

    @Test(arguments: [
        (#"{}"#, [String?]()),
        (#"{a,b}"#, ["a", "b"]),
        (#"{"a b","c\"d","e\\f",NULL,"NULL",null}"#, ["a b", "c\"d", "e\\f", nil, "NULL", nil]),
        (#"{ spaced out , x }"#, ["spaced out", "x"]),
        (#"[0:1]={x,y}"#, ["x", "y"]),
        (#"{é,"👍,}"}"#, ["é", "👍,}"]),
        (#"{\N\ULL}"#, ["NULL"]),
    ])
    func arrayLiteralsParse(literal: String, elements: [String?]) {
        #expect(PostgresArrayLiteral.parse(literal) == elements)
    }

    @Test(arguments: [#"{{a},{b}}"#, #"{a"#, #"{"a}"#, #"a,b"#, #"{a}x"#, #"{a,}"#])
    func malformedArrayLiteralsAreRejected(literal: String) {
        #expect(PostgresArrayLiteral.parse(literal) == nil)
    }

    @Test func arrayElementsDecodeWithNulls() throws {
        #expect(try [String?](postgresText: "{a,NULL}") == ["a", nil])
        #expect(try [Int64](postgresText: "{1,2,-3}") == [1, 2, -3])
        #expect(throws: PostgresError.self) { try [String](postgresText: "{a,NULL}") }
    }

    @Test(arguments: [
        ("2026-11-22 00:22:56.123456+00", 1_795_306_976.123_456),
        ("2026-11-22 00:22:56+00", 1_795_306_976),
        ("2026-11-22T00:22:56.5Z", 1_795_306_976.5),
        ("2026-11-22 02:22:56.123456+02", 1_795_306_976.123_456),
        ("2026-11-21 19:52:56-04:30", 1_795_306_976),
        ("2026-11-22 00:22:56", 1_795_306_976),
        ("1970-01-01 00:00:00+00", 0),
        ("1969-12-31 23:59:59.999999+00", -0.000_001),
        ("2000-02-29", 951_782_400),
    ])
    func timestampsParse(text: String, secondsSince1970: Double) throws {
        let date = try #require(PostgresTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - secondsSince1970) < 0.000_000_5)
    }

    @Test(arguments: ["", "2026-13-01", "2026-11-22 25:00", "2026-11-22 00:22:56+0x", "yesterday"])
    func malformedTimestampsAreRejected(text: String) {
        #expect(PostgresTimestamp.parse(text) == nil)
    }

    @Test func timestampsFormatInUTCToTheMicrosecond() {
        #expect(Date(timeIntervalSince1970: 1_795_306_976.123_456).postgresText == "2026-11-22T00:22:56.123456Z")
        #expect(Date(timeIntervalSince1970: -0.000_001).postgresText == "1969-12-31T23:59:59.999999Z")
        #expect(Date(timeIntervalSince1970: 951_782_400).postgresText == "2000-02-29T00:00:00.000000Z")
        // Within ±2³² s of 2001 (1865–2137) a Date's Double resolves well below a microsecond, so text round-trips.
        for seconds in stride(from: -4.2e9, through: 4.2e9, by: 7_777_777.777_777) {
            let text = Date(timeIntervalSinceReferenceDate: seconds).postgresText ?? ""
            #expect(PostgresTimestamp.parse(text)?.postgresText == text)
        }
    }

    @Test func scalarsDecode() throws {
        #expect(try Bool(postgresText: "t") && !(try Bool(postgresText: "f")))
        #expect(throws: PostgresError.self) { try Bool(postgresText: "true") }
        #expect(try Double(postgresText: "-Infinity") == -.infinity)
        #expect(try Double(postgresText: "NaN").isNaN)
        #expect(Double.infinity.postgresText == "Infinity")
        #expect(try Int(postgresText: "-12") == -12)
        #expect(throws: PostgresError.self) { try Int32(postgresText: "99999999999") }
        let id = UUID()
        #expect(try UUID(postgresText: id.uuidString.lowercased()) == id)
    }

    @Test func rowsDecodeByPositionAndName() throws {
        let result = PostgresResult(
            columns: PostgresColumns(names: ["id", "name", "id"]), values: ["1", nil, "2", "3", "x", "4"],
            rowsAffected: 2, commandTag: "SELECT 2")
        #expect(result.rows.count == 2)
        let first = result.rows[0]
        #expect(try first.decode(Int.self, named: "id") == 1)
        #expect(try first.decodeIfPresent(String.self, named: "name") == nil)
        #expect(try first.decode(String?.self, at: 1) == nil)
        #expect(first.isNull(at: 1) && !first.isNull(at: 0))
        #expect(throws: PostgresError.self) { try first.decode(String.self, at: 1) }
        #expect(throws: PostgresError.self) { try first.decode(String.self, at: 3) }
        #expect(throws: PostgresError.self) { try first.decode(String.self, named: "missing") }
        #expect(try result.rows[1].decode(String.self, at: 1) == "x")
        #expect(result.rows[1]["id"] == "3")
    }

    @Test func errorDescriptionsNameTheCodeAndState() {
        let error = PostgresError(code: .queryFailed, sqlState: "23505", message: "duplicate key")
        #expect(error.isUniqueViolation && !error.isSerializationFailure)
        #expect(error.description.hasPrefix("PostgresError.queryFailed [23505]: duplicate key ("))
        #expect(PostgresError(code: .queryFailed, sqlState: "40P01", message: "deadlock").isSerializationFailure)
    }
}
