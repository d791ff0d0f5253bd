public import Logging
import Synchronization

/// A pool of hiredis connections to one Redis server. Each connection runs its blocking calls on its own serial
/// queue; callers wait for a free connection when all are busy. Call `close()` when done.
public final class RedisClient: Sendable {
    private typealias Waiter = CheckedContinuation<Result<RedisConnection, RedisError>, Never>

    private static let compareAndDelete = RedisScript(
        """
        if redis.call("GET", KEYS[1]) == ARGV[1] then
            return redis.call("DEL", KEYS[1])
        end
        return 0
        """
    )

    private let logger: Logger
    private let pool: Mutex<ConnectionPoolState<RedisConnection, Waiter>>
    private let waiterIDs = Atomic<UInt64>(0)

    /// Creates a client with `configuration.connectionCount` connections; none is opened until first used.
    public init(configuration: RedisConfiguration, logger: Logger) {
        self.logger = logger
        let connections = (0..<max(1, configuration.connectionCount)).map { index in
            RedisConnection(index: index, configuration: configuration, logger: logger)
        }
        self.pool = Mutex(ConnectionPoolState(connections: connections))
    }

    /// Sends one command and returns its reply; an error reply throws `.commandFailed`.
    public func send(_ command: [String]) async throws(RedisError) -> RedisValue {
        let reply = try await execute([command])[0]
        if case .error(let text) = reply {
            throw RedisError.reply(text)
        }
        return reply
    }

    /// Sends all commands in one write and returns their replies in order; error replies come back as `.error`.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisValue] {
        if commands.isEmpty {
            return []
        }
        return try await execute(commands)
    }

    /// Runs a script with `EVALSHA`, sending its source with `EVAL` when Redis has not cached it yet.
    public func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws(RedisError) -> RedisValue {
        let parameters = [String(keys.count)] + keys + arguments
        do {
            return try await send(["EVALSHA", script.sha1] + parameters)
        } catch {
            guard error.underlyingCode == "NOSCRIPT" else {
                throw error
            }
            return try await send(["EVAL", script.source] + parameters)
        }
    }

    /// SET key value NX PX ttl (rounded up to whole milliseconds) — true when set.
    public func setIfAbsent(_ key: String, to value: String, expiry: Duration) async throws(RedisError) -> Bool {
        let (seconds, attoseconds) = expiry.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return try await send(["SET", key, value, "NX", "PX", String(milliseconds)]) != .null
    }

    /// Deletes key only if its value still equals `value` (compare-and-delete, a Lua script) — true when deleted.
    public func deleteIfEqual(_ key: String, to value: String) async throws(RedisError) -> Bool {
        try await run(Self.compareAndDelete, keys: [key], arguments: [value]) == .integer(1)
    }

    /// True when Redis answers `PING`.
    public func ping() async -> Bool {
        (try? await send(["PING"])) == .string("PONG")
    }

    /// Frees idle connections now and busy ones when their command finishes, and fails callers waiting for one.
    /// Later calls throw `.clientClosed`. Idempotent.
    public func close() {
        let (idle, waiters) = pool.withLock { $0.close() }
        for connection in idle {
            connection.close()
        }
        for waiter in waiters {
            waiter.resume(returning: .failure(RedisError(.clientClosed, "the Redis client was closed")))
        }
    }

    private func execute(_ commands: [[String]]) async throws(RedisError) -> [RedisValue] {
        for command in commands where command.isEmpty {
            throw RedisError(.commandFailed, "a command needs at least its name")
        }
        let connection = try await acquire()
        let result = await connection.execute(commands)
        release(connection)
        return try result.get()
    }

    private func acquire() async throws(RedisError) -> RedisConnection {
        let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).oldValue
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: Waiter) in
                // Task.isCancelled is read under the lock, so a cancellation either fails the acquire here or
                // finds the queued waiter in onCancel, which takes the same lock.
                let action = pool.withLock { $0.acquire(id: id, waiter: waiter, isCancelled: Task.isCancelled) }
                switch action {
                case .use(let connection):
                    waiter.resume(returning: .success(connection))
                case .wait:
                    break
                case .failClosed:
                    waiter.resume(returning: .failure(RedisError(.clientClosed, "the Redis client was closed")))
                case .failCancelled:
                    waiter.resume(returning: .failure(Self.cancelled()))
                }
            }
        } onCancel: {
            pool.withLock { $0.cancel(id: id) }?.resume(returning: .failure(Self.cancelled()))
        }
        return try result.get()
    }

    private func release(_ connection: RedisConnection) {
        switch pool.withLock({ $0.release(connection) }) {
        case .handOver(let connection, let waiter):
            waiter.resume(returning: .success(connection))
        case .keep:
            break
        case .close(let connection):
            connection.close()
        }
    }

    private static func cancelled() -> RedisError {
        RedisError(.cancelled, "cancelled while waiting for a Redis connection")
    }
}
