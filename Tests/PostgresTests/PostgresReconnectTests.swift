import Postgres
import SeatlineTestSupport
import Testing

/// Ends the test's own backend with `pg_terminate_backend` while a statement runs: the server answers 57P01 and
/// closes the connection, as it does for every connection when it shuts down.
@Suite("Connections ended by the server")
struct PostgresReconnectTests {
    /// A statement that sleeps for `seconds` and returns its backend's pid, tagged with a unique comment.
    private static func sleeper(_ marker: String, seconds: Double) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT pg_backend_pid(), pg_sleep($1) /* \(marker) */", bindings: ["\(seconds)"])
    }

    /// Waits until a backend runs the statement tagged `marker`, terminates it and returns its pid.
    private static func terminateBackend(running marker: String) async throws -> Int32 {
        let observer = PostgresTestSupport.makeClient(connectionCount: 1)
        let pattern = "%\(marker)%"
        while true {
            let found = try await observer.query(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE \(pattern)")
            if let row = found.rows.first {
                let pid = try row.decode(Int32.self, at: 0)
                _ = try await observer.query("SELECT pg_terminate_backend(\(pid))")
                await observer.close()
                return pid
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func statementEndedByTheServerIsSentOnceMoreOnAFreshConnection() async throws {
        let client = PostgresTestSupport.makeClient(connectionCount: 1)
        let marker = LocalStack.uniqueName("retry")
        async let terminated = Self.terminateBackend(running: marker)
        // Long enough that the observer, slow on a loaded machine, still ends it while it runs, not just after.
        let result = try await client.query(Self.sleeper(marker, seconds: 3))
        let answeredBy = try result.rows[0].decode(Int32.self, at: 0)
        #expect(try await answeredBy != terminated)
        await client.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func transactionIsNotRetried() async throws {
        let client = PostgresTestSupport.makeClient(connectionCount: 1)
        let marker = LocalStack.uniqueName("no_retry")
        async let terminated = Self.terminateBackend(running: marker)
        let error = await #expect(throws: PostgresError.self) {
            try await client.withTransaction { connection in
                _ = try await connection.query(Self.sleeper(marker, seconds: 5))
            }
        }
        _ = try await terminated
        #expect(error?.code == .connectionLost)
        #expect(error?.sqlState == "57P01")
        #expect(await client.isReachable())
        await client.close()
    }
}
