import Foundation
import Redis
import Testing

@Suite("RedisClient against the local stack's Redis")
struct RedisClientTests {
    @Test("SET NX PX: the first owner wins, and after expiry a new owner can set")
    func lockStyleSetIfAbsent() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        let held = RedisTestEnvironment.uniqueKey("lock")
        #expect(try await client.setIfAbsent(held, to: "owner-a", expiry: .seconds(30)))
        #expect(try await client.setIfAbsent(held, to: "owner-b", expiry: .seconds(30)) == false)
        #expect(try await client.send(["GET", held]) == .string("owner-a"))

        let expiring = RedisTestEnvironment.uniqueKey("lock")
        #expect(try await client.setIfAbsent(expiring, to: "owner-a", expiry: .milliseconds(200)))
        var takenOver = false
        for _ in 0..<600 where !takenOver {
            takenOver = try await client.setIfAbsent(expiring, to: "owner-b", expiry: .seconds(30))
            if !takenOver {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(takenOver)
        #expect(try await client.send(["GET", expiring]) == .string("owner-b"))
        _ = try await client.send(["DEL", held, expiring])
    }

    @Test("Compare-and-delete removes the key only for the token that holds it")
    func compareAndDelete() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("cad")
        #expect(try await client.setIfAbsent(key, to: "right-token", expiry: .seconds(30)))

        #expect(try await client.deleteIfEqual(key, to: "wrong-token") == false)
        #expect(try await client.send(["GET", key]) == .string("right-token"))

        #expect(try await client.deleteIfEqual(key, to: "right-token"))
        #expect(try await client.send(["EXISTS", key]) == .integer(0))
        #expect(try await client.deleteIfEqual(key, to: "right-token") == false)
    }

    @Test("A pipeline returns every reply in order, an error reply in the middle as .error")
    func pipelineRepliesInOrder() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("pipeline")
        let list = RedisTestEnvironment.uniqueKey("pipeline-list")
        let replies = try await client.pipeline([
            ["SET", key, "seat-12"],
            ["GET", key],
            ["INCR", key],
            ["RPUSH", list, "a", "b"],
            ["LRANGE", list, "0", "-1"],
            ["GET", RedisTestEnvironment.uniqueKey("missing")],
            ["DEL", key, list],
        ])
        try #require(replies.count == 7)
        #expect(replies[0] == .string("OK"))
        #expect(replies[1] == .string("seat-12"))
        guard case .error(let message) = replies[2] else {
            Issue.record("expected an error reply, got \(replies[2])")
            return
        }
        #expect(message.hasPrefix("ERR"))
        #expect(replies[3] == .integer(2))
        #expect(replies[4] == .array([.string("a"), .string("b")]))
        #expect(replies[5] == .null)
        #expect(replies[6] == .integer(2))
    }

    @Test("An error reply to send throws .commandFailed with Redis's error code")
    func errorReplyThrows() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("wrongtype")
        _ = try await client.send(["RPUSH", key, "x"])
        let error = await #expect(throws: RedisError.self) { try await client.send(["GET", key]) }
        #expect(error?.code == .commandFailed)
        #expect(error?.underlyingCode == "WRONGTYPE")
        _ = try await client.send(["DEL", key])
    }

    @Test("Arguments are binary-safe: empty strings, spaces, CRLF and NUL round-trip")
    func binarySafeArguments() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("binary key with spaces\r\n")
        for value in ["", "two words", "line\r\nbreak", "nul\u{0}inside", "😀 ünïcode"] {
            _ = try await client.send(["SET", key, value])
            #expect(try await client.send(["GET", key]) == .string(value))
            #expect(try await client.send(["STRLEN", key]) == .integer(value.utf8.count))
        }
        _ = try await client.send(["DEL", key])
    }

    @Test("run falls back to EVAL for an uncached script, and its SHA-1 is the one Redis computes")
    func scriptFallsBackToEval() async throws {
        let client = try RedisTestEnvironment.makeClient()
        defer { client.close() }
        // The UUID makes a script Redis cannot have cached, so the first run takes the NOSCRIPT path.
        let script = RedisScript("-- \(UUID().uuidString)\nreturn {KEYS[1], ARGV[1], 7}")
        let expected = RedisValue.array([.string("k"), .string("v"), .integer(7)])
        #expect(try await client.run(script, keys: ["k"], arguments: ["v"]) == expected)
        #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))
        #expect(try await client.run(script, keys: ["k"], arguments: ["v"]) == expected)
        #expect(try await client.send(["SCRIPT", "LOAD", script.source]) == .string(script.sha1))
    }

    @Test("More concurrent callers than connections all get served")
    func poolServesConcurrentCallers() async throws {
        let client = try RedisTestEnvironment.makeClient(connectionCount: 2)
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("counter")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { _ = try await client.send(["INCR", key]) }
            }
            try await group.waitForAll()
        }
        #expect(try await client.send(["GET", key]) == .string("50"))
        #expect(await client.ping())
        _ = try await client.send(["DEL", key])
    }

    @Test("A connection killed in the middle of a command is reopened and the command retried once")
    func brokenConnectionIsRetriedOnce() async throws {
        var configuration = try RedisConfiguration(url: RedisTestEnvironment.url)
        configuration.connectionCount = 1
        configuration.commandTimeout = .seconds(30)
        let blocked = RedisClient(configuration: configuration, logger: .init(label: "seatline.redis.tests"))
        let observer = try RedisTestEnvironment.makeClient(connectionCount: 1)
        defer {
            blocked.close()
            observer.close()
        }
        let name = "seatline-test-\(UUID().uuidString)"
        let key = RedisTestEnvironment.uniqueKey("retry")
        _ = try await blocked.send(["CLIENT", "SETNAME", name])
        let popped = Task { try await blocked.send(["BLPOP", key, "0"]) }

        let clientID = try await RedisTestEnvironment.idOfClientBlocked(named: name, asking: observer)
        // CLIENT KILL frees the blocked client before it returns, so the push below can only reach the retry.
        #expect(try await observer.send(["CLIENT", "KILL", "ID", clientID]) == .integer(1))
        _ = try await observer.send(["RPUSH", key, "seat-7"])

        #expect(try await popped.value == .array([.string(key), .string("seat-7")]))
    }

    @Test("A reply slower than the command timeout throws .timeout, and the connection is replaced")
    func slowReplyTimesOut() async throws {
        var configuration = try RedisConfiguration(url: RedisTestEnvironment.url)
        configuration.connectionCount = 1
        configuration.commandTimeout = .milliseconds(200)
        let client = RedisClient(configuration: configuration, logger: .init(label: "seatline.redis.tests"))
        defer { client.close() }
        let key = RedisTestEnvironment.uniqueKey("never-pushed")
        let error = await #expect(throws: RedisError.self) { try await client.send(["BLPOP", key, "0"]) }
        #expect(error?.code == .timeout)
        // The late BLPOP reply must not be read as the answer to the next command.
        #expect(try await client.send(["ECHO", "next"]) == .string("next"))
    }

    @Test("A caller cancelled while waiting for a busy pool throws .cancelled; the pool keeps working")
    func cancelledWaiter() async throws {
        let client = try RedisTestEnvironment.makeClient(connectionCount: 1)
        let pusher = try RedisTestEnvironment.makeClient(connectionCount: 1)
        defer {
            client.close()
            pusher.close()
        }
        let name = "seatline-test-\(UUID().uuidString)"
        let key = RedisTestEnvironment.uniqueKey("busy")
        _ = try await client.send(["CLIENT", "SETNAME", name])
        let busy = Task { try await client.send(["BLPOP", key, "0"]) }
        _ = try await RedisTestEnvironment.idOfClientBlocked(named: name, asking: pusher)
        // Whether the cancellation lands before or after this caller queues, it must fail with .cancelled.
        let waiting = Task { try await client.send(["PING"]) }
        waiting.cancel()
        let error = await #expect(throws: RedisError.self) { try await waiting.value }
        #expect(error?.code == .cancelled)

        _ = try await pusher.send(["RPUSH", key, "x"])
        #expect(try await busy.value == .array([.string(key), .string("x")]))
        #expect(await client.ping())
    }

    @Test("A closed client throws .clientClosed, and close is idempotent")
    func closedClientThrows() async throws {
        let client = try RedisTestEnvironment.makeClient()
        #expect(await client.ping())
        client.close()
        client.close()
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(error?.code == .clientClosed)
        #expect(await client.ping() == false)
    }

    @Test("Nothing listening: .connectionFailed")
    func unreachableServer() async throws {
        // Port 1 on loopback has no listener, so the connect is refused at once.
        let client = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: 1), logger: .init(label: "seatline.redis.tests"))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(error?.code == .connectionFailed)
        #expect(await client.ping() == false)
    }
}
