import Postgres
import Testing

@Suite("Transactions against the real server")
struct PostgresTransactionTests {
    private struct Abort: Error {}

    private static let columns = "id bigint PRIMARY KEY, name text NOT NULL"

    private func insert(_ id: Int64, _ name: String, into table: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "INSERT INTO \(table) (id, name) VALUES ($1, $2)", bindings: [id.postgresText, name])
    }

    private func ids(in table: String, client: PostgresClient) async throws -> [Int64] {
        let result = try await client.query(PostgresQuery(unsafeSQL: "SELECT id FROM \(table) ORDER BY id"))
        return try result.map { row throws(PostgresError) in try row.decode(Int64.self, at: 0) }
    }

    @Test func committedRowsAreVisible() async throws {
        try await PostgresTestSupport.withScratchTable(columns: Self.columns) { client, table in
            let affected = try await client.withTransaction(isolation: .serializable) { connection in
                try await connection.query(insert(1, "a", into: table)).rowsAffected
                    + connection.query(insert(2, "b", into: table)).rowsAffected
            }
            #expect(affected == 2)
            #expect(try await ids(in: table, client: client) == [1, 2])
        }
    }

    @Test func bodyThrowingRollsBackAndRethrows() async throws {
        try await PostgresTestSupport.withScratchTable(columns: Self.columns) { client, table in
            await #expect(throws: Abort.self) {
                try await client.withTransaction { connection in
                    _ = try await connection.query(insert(1, "doomed", into: table))
                    throw Abort()
                }
            }
            let remaining = try await ids(in: table, client: client)
            #expect(remaining == [])
        }
    }

    @Test func uniqueViolationRollsBackTheWholeTransaction() async throws {
        try await PostgresTestSupport.withScratchTable(columns: Self.columns) { client, table in
            _ = try await client.query(insert(1, "existing", into: table))
            let error = await #expect(throws: PostgresError.self) {
                try await client.withTransaction(isolation: .repeatableRead) { connection in
                    _ = try await connection.query(insert(2, "new", into: table))
                    _ = try await connection.query(insert(1, "duplicate", into: table))
                }
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.code == .queryFailed)
            #expect(try await ids(in: table, client: client) == [1])
        }
    }

    @Test func swallowedFailureMakesCommitThrow() async throws {
        try await PostgresTestSupport.withScratchTable(columns: Self.columns) { client, table in
            _ = try await client.query(insert(1, "existing", into: table))
            let error = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    _ = try await connection.query(insert(2, "new", into: table))
                    _ = try? await connection.query(insert(1, "duplicate", into: table))
                }
            }
            #expect(error?.sqlState == "25P02")
            #expect(try await ids(in: table, client: client) == [1])
        }
    }

    @Test func transactionLeftOpenIsRolledBackWhenTheConnectionReturns() async throws {
        try await PostgresTestSupport.withScratchTable(columns: Self.columns) { client, table in
            try await client.withConnection { connection in
                _ = try await connection.query("BEGIN")
                _ = try await connection.query(insert(1, "abandoned", into: table))
            }
            _ = try await client.query("BEGIN")
            #expect(try await ids(in: table, client: client) == [])
        }
    }

    @Test func errorsCarryNoSQLOrValues() async throws {
        let client = PostgresTestSupport.makeClient()
        let secret = "s3cr3t-value"
        let error = await #expect(throws: PostgresError.self) {
            _ = try await client.query("SELECT * FROM table_that_does_not_exist WHERE secret = \(secret)")
        }
        #expect(error?.sqlState == "42P01")
        #expect(error?.description.contains(secret) == false)
        #expect(error?.description.contains("SELECT") == false)
        await client.close()
    }
}
