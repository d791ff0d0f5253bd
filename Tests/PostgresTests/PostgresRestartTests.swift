import Postgres
import SeatlineTestSupport
import Testing

/// Restarts the local stack's PostgreSQL (`deploy/stack restart postgres`): run apart from other server tests.
@Suite("PostgreSQL restarts", .serialized, .tags(.restartsServers))
struct PostgresRestartTests {
    @Test(.timeLimit(.minutes(2)))
    func nextQueryAfterARestartWorks() async throws {
        let client = PostgresTestSupport.makeClient(connectionCount: 4)
        // Open every pooled connection, so that the restart breaks all of them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try await client.query("SELECT pg_sleep(0.2)") }
            }
            try await group.waitForAll()
        }
        let before = try await client.query("SELECT pg_backend_pid()").rows[0].decode(Int32.self, at: 0)

        try await LocalStack.stack("restart", "postgres")

        let after = try await client.query("SELECT pg_backend_pid()").rows[0].decode(Int32.self, at: 0)
        #expect(after != before)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for value in 0..<8 {
                group.addTask { try await client.query("SELECT \(value)::int").rows[0].decode(Int.self, at: 0) }
            }
            var sum = 0
            for try await value in group { sum += value }
            #expect(sum == 28)
        }
        #expect(await client.isReachable())
        await client.close()
    }

    @Test(.timeLimit(.minutes(2)))
    func listenerListensAgainAfterARestart() async throws {
        let client = PostgresTestSupport.makeClient()
        let channel = LocalStack.uniqueName("restart_channel")
        let notifications = client.notifications(channel: channel)
        let first = try await PostgresTestSupport.firstNotification(
            carrying: "before", of: notifications,
            whileSending: { _ = try await client.query("SELECT pg_notify(\(channel), 'before')") })
        #expect(first?.payload == "before")

        try await LocalStack.stack("restart", "postgres")

        let second = try await PostgresTestSupport.firstNotification(
            carrying: "after", of: notifications,
            whileSending: { _ = try await client.query("SELECT pg_notify(\(channel), 'after')") })
        #expect(second?.payload == "after")
        await client.close()
    }
}
