public import Logging
import Synchronization

/// A pool of PostgreSQL connections, opened lazily up to `PostgresConfiguration.connectionCount`.
///
/// Connections the server closed (a restart, an idle timeout) are reconnected before their next statement.
public final class PostgresClient: Sendable {
    private typealias Waiter = CheckedContinuation<Lease, Never>

    /// What a task waiting for a connection is resumed with.
    private enum Lease: Sendable {
        case connection(PostgresConnection)
        case open
        case failed(PostgresError)
    }

    private struct State {
        var pool: PostgresPoolState<PostgresConnection, Waiter>
        var nextID = 0
        var listeners: [Int: PostgresListener] = [:]

        mutating func makeID() -> Int {
            nextID += 1
            return nextID
        }
    }

    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let state: Mutex<State>

    /// A pool for `configuration`; no connection is opened until the first statement.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State(pool: PostgresPoolState(capacity: configuration.connectionCount)))
    }

    /// Runs one statement on any pooled connection.
    ///
    /// When the connection turns out broken and the statement certainly did not run (it was never sent, or the
    /// server answered with an error such as 57P01 on shutdown), it is sent once more on a fresh connection.
    public func query(_ query: PostgresQuery) async throws(PostgresError) -> PostgresResult {
        do throws(PostgresError) {
            return try await queryOnce(query)
        } catch {
            guard error.isRetryableOnFreshConnection else { throw error }
            logger.notice(
                "PostgreSQL connection broken, sending the statement once more", metadata: ["error": "\(error)"])
            return try await queryOnce(query)
        }
    }

    /// Lends a connection to `body` and takes it back afterwards, rolling back any transaction `body` left open.
    public nonisolated(nonsending) func withConnection<R: Sendable>(
        _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await connection.rollBackOpenTransaction()
            await release(connection)
            return value
        } catch {
            await connection.rollBackOpenTransaction()
            await release(connection)
            throw error
        }
    }

    /// Runs `body` between `BEGIN` and `COMMIT`; when `body` throws, rolls back and rethrows its error.
    ///
    /// Nothing is retried: a lost connection or a serialization failure (`isSerializationFailure`) is thrown.
    public nonisolated(nonsending) func withTransaction<R: Sendable>(
        isolation: PostgresIsolation = .readCommitted, _ body: (PostgresConnection) async throws -> R
    ) async throws -> R {
        try await withConnection { connection in
            _ = try await connection.query(isolation.beginStatement)
            let value: R
            do {
                value = try await body(connection)
            } catch {
                do {
                    _ = try await connection.query("ROLLBACK")
                } catch let rollbackError {
                    logger.debug("ROLLBACK failed", metadata: ["error": "\(rollbackError)"])
                }
                throw error
            }
            let commit = try await connection.query("COMMIT")
            // COMMIT of a transaction in which a statement failed succeeds but answers ROLLBACK.
            guard commit.commandTag != "ROLLBACK" else {
                throw PostgresError(
                    code: .queryFailed, sqlState: "25P02",
                    message: "the transaction was rolled back because a statement in it failed")
            }
            return value
        }
    }

    /// The notifications of `channel`, received on a dedicated connection that LISTENs again after reconnecting.
    ///
    /// The buffer holds `notificationBufferSize` notifications, dropping the oldest; the sequence ends when the
    /// consuming task is cancelled or the client is closed.
    public func notifications(channel: String) -> PostgresNotifications {
        let (stream, continuation) = AsyncStream.makeStream(
            of: PostgresNotification.self,
            bufferingPolicy: .bufferingNewest(max(1, configuration.notificationBufferSize)))
        let listener = PostgresListener(
            channel: channel, configuration: configuration, logger: logger, continuation: continuation)
        let id = state.withLock { state -> Int? in
            guard !state.pool.isClosed else { return nil }
            let id = state.makeID()
            state.listeners[id] = listener
            return id
        }
        guard let id else {
            continuation.finish()
            return PostgresNotifications(stream: stream)
        }
        continuation.onTermination = { [weak self] _ in
            listener.stop()
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        listener.start()
        return PostgresNotifications(stream: stream)
    }

    /// Whether the server answers `SELECT 1`.
    public func isReachable() async -> Bool {
        (try? await query("SELECT 1")) != nil
    }

    /// Closes idle connections and listeners and fails waiting callers; leased connections close when returned.
    public func close() async {
        let (closing, listeners) = state.withLock { state in
            let listeners = Array(state.listeners.values)
            state.listeners = [:]
            return (state.pool.close(), listeners)
        }
        for waiter in closing.waiters {
            waiter.resume(returning: .failed(PostgresError(code: .poolClosed, message: "the client was closed")))
        }
        for listener in listeners { listener.stop() }
        for connection in closing.idle { await connection.close() }
    }

    private func queryOnce(_ query: PostgresQuery) async throws(PostgresError) -> PostgresResult {
        let connection = try await acquire()
        do throws(PostgresError) {
            let result = try await connection.queryLeavingNoTransaction(query)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    private func acquire() async throws(PostgresError) -> PostgresConnection {
        let id = state.withLock { $0.makeID() }
        let lease = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: Waiter) in
                switch state.withLock({ $0.pool.acquire(id: id, waiter: waiter) }) {
                case .use(let connection):
                    waiter.resume(returning: .connection(connection))
                case .open:
                    waiter.resume(returning: .open)
                case .fail:
                    waiter.resume(returning: .failed(PostgresError(code: .poolClosed, message: "the client is closed")))
                case .wait:
                    // Cancelled before the waiter was queued, so the cancellation handler found nothing to cancel.
                    if Task.isCancelled { cancelWaiter(id: id) }
                }
            }
        } onCancel: {
            cancelWaiter(id: id)
        }
        switch lease {
        case .connection(let connection):
            return connection
        case .failed(let error):
            throw error
        case .open:
            do throws(PostgresError) {
                let connection = try await PostgresConnection.connect(configuration: configuration, logger: logger)
                logger.debug("opened a PostgreSQL connection")
                return connection
            } catch {
                state.withLock { $0.pool.openFailed() }?.resume(returning: .open)
                throw error
            }
        }
    }

    private func cancelWaiter(id: Int) {
        let waiter = state.withLock { $0.pool.cancelWaiter(id: id) }
        waiter?.resume(
            returning: .failed(PostgresError(code: .cancelled, message: "cancelled while waiting for a connection")))
    }

    private func release(_ connection: PostgresConnection) async {
        switch state.withLock({ $0.pool.release(connection) }) {
        case .none:
            break
        case .handOver(let connection, let waiter):
            waiter.resume(returning: .connection(connection))
        case .close(let connection):
            await connection.close()
        }
    }
}
