import BookingDomain
import Foundation
import Logging
import Metrics
import Postgres
import SeatlineRuntime
import Synchronization

/// Expires holds past their `held_until`, through the same fenced batch path as every command.
/// One sweeper is active in a cluster: each sweeper tries to take or renew a lease row in the write
/// DB, and only the holder sweeps; when it stops renewing, another takes over after the lease ends.
final class ExpirySweeper: Sendable {
    private let database: PostgresClient
    private let store: BatchStore
    private let interval: Duration
    private let leaseName: String
    /// This sweeper's name in the lease row.
    let holder = "sweeper-\(UUID.random().uuidString.lowercased())"
    private let logger: Logger
    private let stopping = Mutex(false)
    private let expired = Counter(label: "seatline_expiry_holds_expired_total")

    init(
        database: PostgresClient, store: BatchStore, interval: Duration, leaseName: String = "expiry-sweeper",
        logger: Logger
    ) {
        self.database = database
        self.leaseName = leaseName
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Sweeps every `interval` while holding the lease, until `stop()`.
    func run() async throws {
        while !stopping.withLock({ $0 }), !Task.isCancelled {
            do {
                if try await holdsLease() {
                    try await sweep()
                }
            } catch {
                logger.warning("expiry sweep failed; trying again next interval", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Asks `run()` to return.
    func stop() {
        stopping.withLock { $0 = true }
    }

    /// Takes the lease if it is free or ended, or renews it if this sweeper holds it; true when held.
    func holdsLease() async throws -> Bool {
        // The lease outlives a few missed renewals, so a slow sweep does not hand it over.
        let milliseconds = (interval * 3).milliseconds
        let rows = try await database.query(
            """
            INSERT INTO leases (name, holder, expires_at)
            VALUES (\(leaseName), \(holder), now() + \(milliseconds) * interval '1 millisecond')
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
            WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
            RETURNING holder
            """)
        return rows.rows.count == 1
    }

    /// Expires every hold past its end now, a bounded slice per transaction.
    func sweep() async throws {
        while true {
            let now = Date()
            let command = BookingCommand(commandID: UUID.random(), acceptedAt: now, deadline: now, action: .expireHolds)
            let result = try await store.apply([command], now: now)
            let count = result.expiredHolds
            expired.increment(by: count)
            if count > 0 { logger.info("expired holds", metadata: ["count": "\(count)"]) }
            if count < 2000 { return }
        }
    }
}
