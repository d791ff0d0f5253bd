public import Foundation
public import Logging
public import Postgres
public import ServiceLifecycle
import Synchronization

/// PostgreSQL's wall clock, read through this process's own: the one clock every role decides by, so that no
/// decision depends on two machines' clocks agreeing. A command's deadline is set by write-api and checked by a
/// worker, a hold's end is set by one worker and swept by another, a token is issued by accounts and checked by
/// every API; with each process on its own clock, a write-api minutes behind made every command arrive expired, and
/// a leader minutes ahead expired every hold at once.
///
/// The offset to the database's `clock_timestamp()` is measured at start and every `interval`, taking the middle
/// of the round trip as the moment the database read its clock; a failed measurement keeps the last offset.
public final class DatabaseClock: Service, Sendable {
    private let database: PostgresClient
    private let interval: Duration
    private let logger: Logger
    /// Database time minus local time, in microseconds.
    private let offset = Atomic<Int64>(0)

    /// A clock that follows `database`; `interval` between measurements.
    public init(database: PostgresClient, interval: Duration = .seconds(10), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    /// The database's time now.
    public func now() -> Date {
        Date().addingTimeInterval(Double(offset.load(ordering: .relaxed)) / 1_000_000)
    }

    /// Measures the offset once; throws when the database does not answer.
    public func synchronize() async throws {
        let sent = Date()
        let rows = try await database.query("SELECT extract(epoch FROM clock_timestamp())::float8")
        let received = Date()
        let databaseTime = try rows.rows[0].decode(Double.self, at: 0)
        let localTime = sent.timeIntervalSince1970 + received.timeIntervalSince(sent) / 2
        let measured = Int64(((databaseTime - localTime) * 1_000_000).rounded())
        if abs(measured - offset.exchange(measured, ordering: .relaxed)) > 1_000_000 {
            logger.notice(
                "this process's clock and the database's differ", metadata: ["offset_ms": "\(measured / 1000)"])
        }
    }

    /// Measures every `interval` until graceful shutdown.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.synchronize()
                } catch {
                    self.logger.warning("could not read the database's clock", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}

extension DatabaseClock {
    /// A clock already measured once, so a role never decides by its own clock; it then follows the database's
    /// clock while it runs as a service.
    public static func synchronized(with database: PostgresClient, logger: Logger) async throws -> DatabaseClock {
        let clock = DatabaseClock(database: database, logger: logger)
        try await clock.synchronize()
        return clock
    }
}
