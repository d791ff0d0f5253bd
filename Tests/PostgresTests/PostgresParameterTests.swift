import Foundation
import Postgres
import Testing

@Suite("Bound parameters against the real server")
struct PostgresParameterTests {
    private static func hostileStrings(table: String) -> [String?] {
        [
            "it's", "''", "'; DROP TABLE \(table); --", "\"; DROP TABLE \(table); --", "back\\slash", "\\'", "\\",
            "$1", "$2 $$ $tag$", "%s %d {}", "NULL", "null", "line\nbreak\ttab\r", "emoji 👩‍👩‍👧‍👦🎟️",
            "e\u{301} vs \u{E9}", "Z\u{351}\u{36B}\u{343}\u{36A}a\u{302}\u{36B}", "日本語", "\u{FEFF}bom", "", nil,
        ]
    }

    @Test func hostileStringsRoundTripUnchanged() async throws {
        try await PostgresTestSupport.withScratchTable(columns: "id integer PRIMARY KEY, value text") { client, table in
            let values = Self.hostileStrings(table: table)
            for (id, value) in values.enumerated() {
                let insert = PostgresQuery(
                    unsafeSQL: "INSERT INTO \(table) (id, value) VALUES ($1, $2)", bindings: [id.postgresText, value])
                #expect(try await client.query(insert).rowsAffected == 1)
            }
            let result = try await client.query(PostgresQuery(unsafeSQL: "SELECT value FROM \(table) ORDER BY id"))
            let stored = try result.map { row throws(PostgresError) in try row.decodeIfPresent(String.self, at: 0) }
            // Compare bytes: Swift's String equality would accept a canonically equivalent normalization.
            #expect(stored.map { $0.map { Array($0.utf8) } } == values.map { $0.map { Array($0.utf8) } })
            #expect(try await PostgresTestSupport.tableExists(table, client: client))
        }
    }

    @Test func interpolatedValuesAreParameters() async throws {
        let client = PostgresTestSupport.makeClient()
        for value in Self.hostileStrings(table: "events") {
            let query: PostgresQuery = "SELECT \(value)::text AS echoed, \(value)::text IS NULL AS missing"
            #expect(query.sql == "SELECT $1::text AS echoed, $2::text IS NULL AS missing")
            let row = try #require(try await client.query(query).rows.first)
            #expect(
                try row.decodeIfPresent(String.self, named: "echoed").map { Array($0.utf8) }
                    == value.map { Array($0.utf8) })
            #expect(try row.decode(Bool.self, named: "missing") == (value == nil))
        }
        await client.close()
    }

    @Test func arraysRoundTrip() async throws {
        let columns = "id integer PRIMARY KEY, names text[], optional_names text[], numbers bigint[]"
        try await PostgresTestSupport.withScratchTable(columns: columns) { client, table in
            let names = ["a", "b\"c", "back\\slash", "", "NULL", "comma,brace}{", "  spaced  ", "👍 e\u{301}", "'"]
            let optionalNames: [String?] = ["x", nil, "NULL", ""]
            let numbers: [Int64] = [1, -2, .max, .min, 0]
            let insert = PostgresQuery(
                unsafeSQL:
                    "INSERT INTO \(table) (id, names, optional_names, numbers) VALUES (1, $1, $2, $3), (2, $4, $4, $5)",
                bindings: [
                    names.postgresText, optionalNames.postgresText, numbers.postgresText, [String]().postgresText, nil,
                ])
            #expect(try await client.query(insert).rowsAffected == 2)
            let result = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT names, optional_names, numbers FROM \(table) ORDER BY id"))
            #expect(result.columnNames == ["names", "optional_names", "numbers"])
            let first = result.rows[0]
            #expect(
                try first.decode([String].self, named: "names").map { Array($0.utf8) } == names.map { Array($0.utf8) })
            #expect(try first.decode([String?].self, named: "optional_names") == optionalNames)
            #expect(try first.decode([Int64].self, named: "numbers") == numbers)
            let second = result.rows[1]
            #expect(try second.decode([String].self, at: 0) == [])
            #expect(try second.decodeIfPresent([Int64].self, at: 2) == nil)
            #expect(second.isNull(at: 2))
            #expect(throws: PostgresError.self) { try first.decode([String].self, named: "optional_names") }
        }
    }

    @Test func scalarsRoundTrip() async throws {
        let columns = """
            id uuid PRIMARY KEY, at timestamptz NOT NULL, flag boolean, ratio double precision, small integer, \
            big bigint, document jsonb
            """
        try await PostgresTestSupport.withScratchTable(columns: columns) { client, table in
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_795_392_176.123_456)
            let document = try PostgresJSON(encoding: ["seats": [1, 2, 3]])
            let insert = PostgresQuery(
                unsafeSQL: "INSERT INTO \(table) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                bindings: [
                    id.postgresText, at.postgresText, true.postgresText, 0.1.postgresText, Int32.min.postgresText,
                    Int64.max.postgresText, document.postgresText,
                ])
            _ = try await client.query(insert)
            let select = PostgresQuery(
                unsafeSQL: "SELECT * FROM \(table) WHERE id = $1 AND at = $2",
                bindings: [id.postgresText, at.postgresText])
            let row = try #require(try await client.query(select).rows.first)
            #expect(try row.decode(UUID.self, named: "id") == id)
            let storedAt = try row.decode(Date.self, named: "at")
            // timestamptz keeps microseconds: the instant comes back to the microsecond and re-encodes identically.
            #expect(abs(storedAt.timeIntervalSince(at)) < 0.000_001)
            #expect(storedAt.postgresText == at.postgresText)
            #expect(row["at"]?.hasSuffix("+00") == true)
            #expect(try row.decode(Bool.self, named: "flag"))
            #expect(try row.decode(Double.self, named: "ratio") == 0.1)
            #expect(try row.decode(Int32.self, named: "small") == .min)
            #expect(try row.decode(Int64.self, named: "big") == .max)
            #expect(
                try row.decode(PostgresJSON.self, named: "document").decode(as: [String: [Int]].self) == [
                    "seats": [1, 2, 3]
                ])
        }
    }

    @Test func nulCharactersAreRejectedBeforeSending() async throws {
        let client = PostgresTestSupport.makeClient()
        let error = await #expect(throws: PostgresError.self) {
            _ = try await client.query("SELECT \("a\u{0}b")::text")
        }
        #expect(error?.code == .invalidParameter)
        await client.close()
    }
}
