import Foundation
import Logging
import Postgres
import SeatlineTestSupport
import Testing

/// Endpoints and helpers shared by the Postgres integration tests.
enum PostgresTestSupport {
    static let writeDatabaseURL = LocalStack.writeDatabaseURL

    static func makeClient(connectionCount: Int = 4) -> PostgresClient {
        var configuration = PostgresConfiguration(url: writeDatabaseURL)
        configuration.connectionCount = connectionCount
        configuration.applicationName = "seatline-postgres-tests"
        var logger = Logger(label: "seatline.postgres.tests")
        logger.logLevel = .info
        return PostgresClient(configuration: configuration, logger: logger)
    }

    /// Creates a uniquely named table in seatline_write, runs `body`, then drops the table and closes the client.
    static func withScratchTable(
        columns: String, _ body: (PostgresClient, String) async throws -> Void
    ) async throws {
        let client = makeClient()
        let table = LocalStack.uniqueName("postgres_test")
        do {
            try await client.withConnection { connection in
                try await connection.execute(script: "CREATE TABLE \(table) (\(columns))")
            }
            try await body(client, table)
        } catch {
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
            await client.close()
            throw error
        }
        _ = try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
        await client.close()
    }

    /// Whether a table of that name exists.
    static func tableExists(_ table: String, client: PostgresClient) async throws -> Bool {
        let result = try await client.query("SELECT to_regclass(\(table)) IS NOT NULL")
        return try result.rows[0].decode(Bool.self, at: 0)
    }

    /// The first notification carrying `payload` while `send` is called every 200 ms (LISTEN may not be active yet
    /// when the first one is sent); nil when none arrives within 30 seconds.
    static func firstNotification(
        carrying payload: String, of notifications: PostgresNotifications,
        whileSending send: @escaping @Sendable () async throws -> Void
    ) async throws -> PostgresNotification? {
        try await withThrowingTaskGroup(of: PostgresNotification?.self) { group in
            group.addTask {
                for await notification in notifications where notification.payload == payload { return notification }
                return nil
            }
            group.addTask {
                while !Task.isCancelled {
                    try await send()
                    try await Task.sleep(for: .milliseconds(200))
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
