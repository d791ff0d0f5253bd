import Dispatch
import Logging

/// One connection to PostgreSQL, confined to its own serial queue: every libpq call happens there.
///
/// Obtain one from `PostgresClient.withConnection` or `withTransaction`; statements on it run one at a time.
public final class PostgresConnection: Sendable {
    private let queue: DispatchQueue
    /// Used only from `queue`.
    private let connection: LibPQConnection

    private init(queue: DispatchQueue, connection: LibPQConnection) {
        self.queue = queue
        self.connection = connection
    }

    deinit {
        // PQfinish writes to the socket: run it on the queue, not on whichever thread drops the last reference.
        queue.async { [connection] in connection.close() }
    }

    /// Opens a connection on a new serial queue.
    static func connect(
        configuration: PostgresConfiguration, logger: Logger
    ) async throws(PostgresError) -> PostgresConnection {
        let queue = DispatchQueue(label: "seatline.postgres.connection")
        let connection = try await Self.run(on: queue) { () throws(PostgresError) in
            try LibPQConnection.open(configuration: configuration, logger: logger)
        }
        return PostgresConnection(queue: queue, connection: connection)
    }

    /// Runs one statement with bound parameters in text format, as PQexecParams does.
    ///
    /// A connection the server closed while idle is reconnected first; inside a transaction that throws instead.
    public func query(_ query: PostgresQuery) async throws(PostgresError) -> PostgresResult {
        try await run { connection throws(PostgresError) in try connection.execute(query) }
    }

    /// Runs a constant script of one or more statements without parameters, as PQexec does (e.g. a migration).
    public func execute(script: String) async throws(PostgresError) {
        _ = try await run { connection throws(PostgresError) in try connection.execute(script: script) }
    }

    /// Runs one statement, then rolls back any transaction block it left open, in one trip to the queue.
    func queryLeavingNoTransaction(_ query: PostgresQuery) async throws(PostgresError) -> PostgresResult {
        try await run { connection throws(PostgresError) in
            defer { connection.rollBackOpenTransaction() }
            return try connection.execute(query)
        }
    }

    /// Rolls back a transaction block a borrower left open, before the pool hands the connection to someone else.
    func rollBackOpenTransaction() async {
        _ = try? await run { connection throws(PostgresError) in connection.rollBackOpenTransaction() }
    }

    /// Closes the connection.
    func close() async {
        _ = try? await run { connection throws(PostgresError) in connection.close() }
    }

    private func run<T: Sendable>(
        _ body: @escaping @Sendable (LibPQConnection) throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        let connection = connection
        return try await Self.run(on: queue) { () throws(PostgresError) in try body(connection) }
    }

    private static func run<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        try await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, PostgresError>, Never>) in
            queue.async { continuation.resume(returning: Result { () throws(PostgresError) in try body() }) }
        }.get()
    }
}
