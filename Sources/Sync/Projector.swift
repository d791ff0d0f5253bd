import BookingDomain
import Foundation
public import Logging
public import Postgres
public import ServiceLifecycle

/// Projects the journal (write DB) into the read DB's views, exactly once and without ever skipping an entry.
///
/// Entries are read in (transaction id, position) order and only below the oldest transaction still running,
/// so an entry whose transaction commits late is read after, never instead of, the ones around it. Each batch
/// is applied in one read-DB transaction together with the checkpoint, under an advisory lock that makes
/// concurrent projectors (a second replica, a rebuild) take turns.
public final class Projector: Service, Sendable {
    /// The write-DB channel the worker notifies when it appends to the journal.
    public static let journalChannel = "journal"
    /// The read-DB channel notified when a projection transaction commits.
    public static let viewsChannel = "seat_changes"
    /// The most entries one read-DB transaction applies, unless configured otherwise.
    public static let defaultBatchSize = 500

    private static let checkpointName = "journal"
    private static let lockKey: Int64 = 0x5EA7_0002
    private static let retryDelay = Duration.seconds(1)

    private let journal: PostgresClient
    private let views: PostgresClient
    private let batchSize: Int
    private let idlePollInterval: Duration
    private let logger: Logger
    private let metrics = ProjectionMetrics()

    /// A projector reading `journal` (the write DB) and writing `views` (the read DB).
    ///
    /// It polls every `idlePollInterval` when no notification arrives, and loops at once while batches are full.
    public init(
        journal: PostgresClient, views: PostgresClient, batchSize: Int = Projector.defaultBatchSize,
        idlePollInterval: Duration = .milliseconds(250), logger: Logger
    ) {
        self.journal = journal
        self.views = views
        self.batchSize = max(1, batchSize)
        self.idlePollInterval = idlePollInterval
        self.logger = logger
    }

    /// The checkpoint stored in the read DB (`start` when nothing was projected yet).
    public func checkpoint() async throws -> ProjectionCheckpoint {
        try await Self.readCheckpoint(views.query(Self.checkpointQuery))
    }

    /// Projects at most one batch of the entries that can be projected now; returns how many it applied.
    @discardableResult
    public func projectBatch() async throws -> Int {
        try await projectNextBatch().count
    }

    /// Projects batch after batch until the journal has nothing more that can be projected now.
    @discardableResult
    public func projectAvailable() async throws -> Int {
        var total = 0
        var outcome: BatchOutcome
        repeat {
            outcome = try await projectNextBatch()
            total += outcome.count
        } while outcome.count == batchSize
        return total
    }

    /// Empties the views and the checkpoint in one transaction, then projects the whole journal.
    @discardableResult
    public func rebuild() async throws -> Int {
        try await views.withTransaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            _ = try await connection.query(
                "TRUNCATE event_view, category_view, seat_view, stream_view, booking_view, seat_changes")
            _ = try await connection.query(
                "DELETE FROM projection_checkpoint WHERE projection = \(Self.checkpointName)")
        }
        logger.notice("read views emptied, projecting the whole journal")
        return try await projectAvailable()
    }

    /// Projects until graceful shutdown, woken by the journal's notifications or, failing those, by polling.
    public func run() async throws {
        let (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let notifications = journal.notifications(channel: Self.journalChannel)
        let idlePollInterval = idlePollInterval
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in notifications { wakeUp.yield() }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: idlePollInterval)
                        wakeUp.yield()
                    }
                }
                var retention = SeatChangeRetention()
                for await _ in wakeUps {
                    await catchUp(retention: &retention)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // The batch in flight commits; the loop then ends instead of waiting for the next wake-up.
            wakeUp.finish()
        }
        logger.info("projector stopped")
    }

    private func catchUp(retention: inout SeatChangeRetention) async {
        do {
            var outcome: BatchOutcome
            repeat {
                outcome = try await projectNextBatch()
            } while outcome.count == batchSize && !Task.isShuttingDownGracefully && !Task.isCancelled
            let head = try await journal.query("SELECT coalesce(max(position), 0) FROM journal")
            let headPosition = try head.rows.first?.decode(Int64.self, at: 0) ?? 0
            metrics.lag.record(max(0, headPosition - outcome.checkpoint.position))
            try await pruneSeatChanges(&retention)
        } catch {
            metrics.failures.increment()
            logger.error("projection failed, retrying", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: Self.retryDelay)
        }
    }

    private func pruneSeatChanges(_ retention: inout SeatChangeRetention) async throws {
        let now = ContinuousClock.now
        guard retention.isDue(at: now) else { return }
        let head = try await views.query("SELECT coalesce(max(position), 0) FROM seat_changes")
        guard let prunable = retention.mark(try head.rows.first?.decode(Int64.self, at: 0) ?? 0, at: now) else {
            return
        }
        let deleted = try await views.query("DELETE FROM seat_changes WHERE position <= \(prunable)")
        logger.debug("pruned seat changes", metadata: ["rows": "\(deleted.rowsAffected)"])
    }

    private struct BatchOutcome: Sendable {
        let count: Int
        let checkpoint: ProjectionCheckpoint
    }

    private func projectNextBatch() async throws -> BatchOutcome {
        let batchSize = batchSize
        let (records, checkpoint) = try await views.withTransaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            let from = try Self.readCheckpoint(try await connection.query(Self.checkpointQuery))
            // Below the oldest running transaction every transaction has ended, so nothing can still appear
            // before the last entry read: the checkpoint never passes an entry that commits later. The order names
            // the table's columns: a bare `transaction_id` would mean the text output column, and "1002" sorts
            // before "932", which skipped every entry between the two.
            let rows = try await journal.query(
                """
                SELECT transaction_id::text, position, stream_version, entry_type, payload::text, recorded_at
                FROM journal
                WHERE (transaction_id, position) > (\(String(from.transactionID))::text::xid8, \(from.position)::bigint)
                  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY journal.transaction_id, journal.position
                LIMIT \(batchSize)::integer
                """)
            var records: [JournalRecord] = []
            records.reserveCapacity(rows.rows.count)
            for row in rows { records.append(try JournalRecord(row: row)) }
            guard let last = records.last?.checkpoint else { return (records, from) }
            try await Self.apply(ProjectionBatch(records), on: connection)
            _ = try await connection.query(
                """
                INSERT INTO projection_checkpoint (projection, transaction_id, position, updated_at)
                VALUES (\(Self.checkpointName), \(last.transactionID), \(last.position), now())
                ON CONFLICT (projection) DO UPDATE
                SET transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()
                """)
            // Delivered at commit, so read-api wakes to a state that includes this batch.
            _ = try await connection.query("SELECT pg_notify(\(Self.viewsChannel), '')")
            return (records, last)
        }
        metrics.recordCommitted(records, at: Date())
        if !records.isEmpty {
            logger.trace("projected", metadata: ["entries": "\(records.count)", "checkpoint": "\(checkpoint)"])
        }
        return BatchOutcome(count: records.count, checkpoint: checkpoint)
    }

    private static var checkpointQuery: PostgresQuery {
        "SELECT transaction_id, position FROM projection_checkpoint WHERE projection = \(checkpointName)"
    }

    private static func readCheckpoint(_ result: PostgresResult) throws -> ProjectionCheckpoint {
        guard let row = result.rows.first else { return .start }
        return ProjectionCheckpoint(
            transactionID: try row.decode(Int64.self, at: 0), position: try row.decode(Int64.self, at: 1))
    }
}
