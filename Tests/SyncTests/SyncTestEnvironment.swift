import BookingDomain
import Foundation
import Logging
import Postgres
import SeatlineRuntime
import SeatlineTestSupport
import Sync
import Testing

/// The local stack's databases. The journal is shared with every other test; each test projects into its own
/// copy of the read model, a schema of the read DB, so it owns its checkpoint and disturbs nobody.
enum SyncTestEnvironment {
    static let logger = Logger(label: "seatline.sync-tests")

    /// Runs `body` with the (migrated) journal and a fresh read model whose checkpoint starts at the journal's
    /// current horizon, so only entries appended from now on are projected into it; drops it afterwards.
    static func withScratchViews<R>(
        _ body: (_ journal: PostgresClient, _ views: PostgresClient) async throws -> R
    ) async throws -> R {
        let journal = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: logger)
        do {
            try await Migrator(
                directory: LocalStack.repository.appendingPathComponent("sql/write"), database: journal, logger: logger
            ).migrate()
            let result = try await LocalStack.withScratchReadModel(logger: logger) { views in
                // Every transaction below the horizon has ended: its entries are history the test leaves out.
                let horizon = try await journal.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                let transactionID = try #require(horizon.rows.first).decode(Int64.self, at: 0)
                _ = try await views.query(
                    """
                    INSERT INTO projection_checkpoint (projection, transaction_id, position)
                    VALUES ('journal', \(transactionID - 1), \(Int64.max))
                    """)
                return try await body(journal, views)
            }
            try await catchUpStreamVersions(of: journal)
            await journal.close()
            return result
        } catch {
            try? await catchUpStreamVersions(of: journal)
            await journal.close()
            throw error
        }
    }

    /// These tests append to the stack's journal directly, beside its worker, which numbers a stream's next entry
    /// from `journal_streams`: brings that up to what they appended, or a command for one of their events (the API
    /// fuzzer books on whatever the event list shows) would collide with their entries' versions forever. Only
    /// streams behind their entries are locked, which no worker writes to.
    private static func catchUpStreamVersions(of journal: PostgresClient) async throws {
        _ = try await journal.query(
            """
            INSERT INTO journal_streams AS s (stream_id, version)
            SELECT j.stream_id, max(j.stream_version) FROM journal j
            LEFT JOIN journal_streams k ON k.stream_id = j.stream_id
            GROUP BY j.stream_id, k.version HAVING k.version IS NULL OR k.version < max(j.stream_version)
            ON CONFLICT (stream_id) DO UPDATE SET version = greatest(s.version, excluded.version)
            """)
    }

    /// Appends an entry to its stream at `version` on `connection`; returns its place in projection order.
    @discardableResult
    static func append(
        _ entry: JournalEntry, version: Int64, on connection: PostgresConnection
    ) async throws -> ProjectionCheckpoint {
        let result = try await connection.query(
            """
            INSERT INTO journal (stream_id, stream_version, entry_type, payload)
            VALUES (\(entry.streamID), \(version), \(entry.typeName), \(try entry.encodedPayload())::jsonb)
            RETURNING transaction_id::text::bigint, position
            """)
        let row = try #require(result.rows.first)
        return ProjectionCheckpoint(
            transactionID: try row.decode(Int64.self, at: 0), position: try row.decode(Int64.self, at: 1))
    }

    /// Appends entries in one committed transaction; returns the last one's place.
    @discardableResult
    static func append(
        _ entries: [(JournalEntry, Int64)], to journal: PostgresClient
    ) async throws -> ProjectionCheckpoint {
        try await journal.withTransaction { connection in
            var last = ProjectionCheckpoint.start
            for (entry, version) in entries { last = try await append(entry, version: version, on: connection) }
            return last
        }
    }

    /// Projects until the checkpoint reaches `target`. Transactions of other tests running on the same server
    /// can hold the horizon back for a moment, so this waits for them, boundedly, rather than assuming.
    static func project(_ projector: Projector, through target: ProjectionCheckpoint) async throws {
        for _ in 0..<1200 {
            try await projector.projectAvailable()
            if try await projector.checkpoint() >= target { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the projection did not reach \(target) within 30 s")
    }

    /// Every row of `query`, as text, for comparing views column by column.
    static func rows(_ query: PostgresQuery, in views: PostgresClient) async throws -> [[String?]] {
        try await views.query(query).rows.map { row in (0..<row.count).map { row[$0] } }
    }

    /// A unique event with the given seats.
    static func event(_ prefix: String, seats: [String]) -> EventDefinition {
        EventDefinition(
            eventID: "\(prefix)-\(UUID().uuidString.lowercased())", name: "Test \(prefix)",
            date: "2026-12-01T20:00:00Z", venue: "Hall", seatIDs: seats)
    }
}
