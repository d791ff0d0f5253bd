import Foundation
import Logging
import Postgres
import Testing

extension Tag {
    /// Tests that restart a server of the local stack; run them apart from everything else.
    @Tag static var restartsServers: Self
}

/// Endpoints and helpers shared by the Postgres integration tests.
enum PostgresTestSupport {
    static let writeDatabaseURL =
        ProcessInfo.processInfo.environment["SEATLINE_WRITE_DATABASE_URL"]
        ?? "postgresql://seatline:seatline@127.0.0.1:55432/seatline_write"

    /// The repository root, three levels up from this file (Tests/PostgresTests/File.swift), symlinks resolved.
    static let repository = URL(filePath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func makeClient(connectionCount: Int = 4) -> PostgresClient {
        var configuration = PostgresConfiguration(url: writeDatabaseURL)
        configuration.connectionCount = connectionCount
        configuration.applicationName = "seatline-postgres-tests"
        var logger = Logger(label: "seatline.postgres.tests")
        logger.logLevel = .info
        return PostgresClient(configuration: configuration, logger: logger)
    }

    /// A table name no other test uses; made of letters, digits and underscores only.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
    }

    /// Creates a uniquely named table in seatline_write, runs `body`, then drops the table and closes the client.
    static func withScratchTable(
        columns: String, _ body: (PostgresClient, String) async throws -> Void
    ) async throws {
        let client = makeClient()
        let table = uniqueName("postgres_test")
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

    /// Runs `deploy/stack ARGUMENTS…` and waits for the script itself to finish successfully.
    static func stack(_ arguments: String...) async throws {
        let process = Process()
        process.executableURL = repository.appending(path: "deploy/stack")
        process.arguments = arguments
        try process.run()
        // Foundation reports a child's exit only once every holder of a socket the child inherits has closed it, and
        // the servers the script starts in the background inherit it too: wait for the script's own pid instead.
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let waiter = Thread { continuation.resume(returning: exitStatus(of: process)) }
            waiter.start()
        }
        try #require(status == 0, "deploy/stack \(arguments.joined(separator: " ")) exited with \(status)")
    }

    /// Blocks until `process` exits and returns its exit status (128 + signal when killed by a signal).
    private static func exitStatus(of process: Process) -> Int32 {
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(process.processIdentifier, &status, 0)
        } while result == -1 && errno == EINTR
        guard result != -1 else {
            // Foundation reaped it first, so it holds the status.
            process.waitUntilExit()
            return process.terminationStatus
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
