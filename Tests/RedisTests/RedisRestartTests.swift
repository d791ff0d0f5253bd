import Redis
import SeatlineTestSupport
import Testing

@Suite("RedisClient across a Redis restart", .serialized, .tags(.restartsServers))
struct RedisRestartTests {
    @Test("After Redis restarts, the next command on the same client works")
    func nextCommandAfterRestartWorks() async throws {
        // One connection, so the command after the restart must reuse the connection the restart broke.
        let client = try RedisTestEnvironment.makeClient(connectionCount: 1)
        defer { client.close() }
        let script = RedisScript("return ARGV[1]")
        #expect(try await client.run(script, keys: [], arguments: ["before"]) == .string("before"))

        try await LocalStack.stack("restart", "redis")

        let key = RedisTestEnvironment.uniqueKey("after-restart")
        #expect(try await client.send(["SET", key, "works"]) == .string("OK"))
        #expect(try await client.send(["GET", key]) == .string("works"))
        // The restart emptied Redis's script cache: EVALSHA answers NOSCRIPT and run falls back to EVAL.
        #expect(try await client.run(script, keys: [], arguments: ["after"]) == .string("after"))
        _ = try await client.send(["DEL", key])
    }
}
