public import Logging
public import Postgres

extension LocalStack {
    /// Runs `body` with a client of the stack's write DB, closed afterwards.
    public static func withWriteDatabase<R>(_ body: (PostgresClient) async throws -> R) async throws -> R {
        try await withDatabase(writeDatabaseURL, body)
    }

    /// Runs `body` with a client of the stack's read DB, closed afterwards.
    public static func withReadDatabase<R>(_ body: (PostgresClient) async throws -> R) async throws -> R {
        try await withDatabase(readDatabaseURL, body)
    }

    private static func withDatabase<R>(_ url: String, _ body: (PostgresClient) async throws -> R) async throws -> R {
        let client = PostgresClient(
            configuration: PostgresConfiguration(url: url), logger: Logger(label: "seatline.tests.database"))
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
