import BookingDomain
import Foundation
import Logging
import Postgres

/// The contract's checks after a run (under faults or a flash sale), once everything is healed: every accepted booking has
/// exactly one final status in the write DB and the read view; no seat is taken twice in the write
/// DB, in the journal folded, or in the read DB; the read views equal the write state; journal
/// versions are contiguous per stream; no command had two effects.
///
/// Requests are judged as Jepsen judges operations: accepted (202), failed (refused, or a 503 that says nothing was
/// sent) and unknown (no answer, or an answer that says the command may have been carried out). A failed request
/// must never take effect; an unknown one may or may not, but if it did, it ends like an accepted one, never
/// left pending.
public enum ContractVerification {
    /// What the checks found.
    public struct Report: Sendable {
        /// Accepted bookings without one final status in both the write DB and the read view.
        public var lost = 0
        /// Seats claimed by two bookings, in the write DB, the read DB or the folded journal.
        public var doubles = 0
        /// Unknown requests that took effect, each with one final status.
        public var unknownDecided = 0
        /// Unknown requests still pending, or decided differently in the write DB and the read view.
        public var unknownUnsettled = 0
        /// Failed requests that took effect all the same.
        public var failedTookEffect = 0
        /// Accepted bookings the worker refused as `expired_request`: accepted, but decided past their deadline.
        public var expiredRequests = 0
        /// How long after the run every request that took effect was decided and the read side caught up.
        public var healSeconds = 0.0
        /// Every other breach, described.
        public var problems: [String] = []
    }

    /// Requests whose outcome the client does not know, and requests it was told failed.
    public struct Uncertain: Sendable {
        /// Bookings and holds.
        public var bookingIDs: [String] = []
        /// Waiting-list requests.
        public var waitingIDs: [String] = []
        /// Requests of either kind answered as failed.
        public var failedIDs: [String] = []

        /// The requests of each kind.
        public init(bookingIDs: [String] = [], waitingIDs: [String] = [], failedIDs: [String] = []) {
            self.bookingIDs = bookingIDs
            self.waitingIDs = waitingIDs
            self.failedIDs = failedIDs
        }
    }

    /// Checks the bookings `bookingIDs` (all accepted) of `events`, some of which their owners asked to cancel
    /// (`cancelled`), the accepted waiting requests `waitingIDs`, and the requests whose outcome is unknown or failed.
    public static func check(
        bookingIDs: [String], cancelled: Set<String> = [], waitingIDs: [String] = [], uncertain: Uncertain = .init(),
        events: [String]
    ) async throws -> Report {
        let logger = Logger(label: "fault-verification")
        let write = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: logger)
        let read = PostgresClient(configuration: PostgresConfiguration(url: LocalStack.readDatabaseURL), logger: logger)
        defer {
            Task {
                await write.close()
                await read.close()
            }
        }
        let accepted = (bookingIDs + waitingIDs).compactMap(UUID.init(uuidString:))
        let waits = Set((waitingIDs + uncertain.waitingIDs).compactMap(UUID.init(uuidString:)))
        let cancelled = Set(cancelled.compactMap(UUID.init(uuidString:)))
        let unknown = (uncertain.bookingIDs + uncertain.waitingIDs).compactMap(UUID.init(uuidString:))
        let failed = uncertain.failedIDs.compactMap(UUID.init(uuidString:))
        var report = Report()
        // A booking ends CONFIRMED or REJECTED (or CANCELLED, if its owner cancelled it); a waiting request in any
        // status but PENDING: still waiting, offered, expired, or refused.
        func isFinal(_ id: UUID, _ status: String?) -> Bool {
            let final: Set<String> =
                waits.contains(id)
                ? ["WAITING", "HELD", "EXPIRED", "CANCELLED", "REJECTED", "CONFIRMED"]
                : cancelled.contains(id) ? ["CONFIRMED", "REJECTED", "CANCELLED"] : ["CONFIRMED", "REJECTED"]
            return final.contains(status ?? "PENDING")
        }

        // Heal: every request that took effect decided, and the projection caught up with the write state. A backlog
        // drains at its own pace, so the wait lasts as long as requests are still being decided, and gives up only
        // once a whole `patience` passes without one more.
        let started = ContinuousClock.now
        let settled = try await waitWhileProgressing {
            let known = try await statuses(of: accepted + unknown, in: write, table: "bookings")
            let decided = known.filter { isFinal($0.key, $0.value) }.count
            return (decided, decided == known.count && accepted.allSatisfy { known[$0] != nil })
        }
        let converged = try await waitWhileProgressing {
            let views = try await seats(of: events, in: read, table: "seat_view")
            let state = try await seats(of: events, in: write, table: "seats")
            let readStatuses = try await statuses(of: accepted + unknown, in: read, table: "booking_view")
            let writeStatuses = try await statuses(of: accepted + unknown, in: write, table: "bookings")
            let agreeing = writeStatuses.filter { readStatuses[$0.key] == $0.value }.count
            return (agreeing, views == state && readStatuses == writeStatuses)
        }
        report.healSeconds = Double(started.duration(to: .now).components.seconds)
        if !settled { report.problems.append("not every accepted booking reached a final status in the write DB") }
        if !converged { report.problems.append("the read views did not converge to the write state") }

        let writeStatuses = try await statuses(of: accepted + unknown + failed, in: write, table: "bookings")
        let readStatuses = try await statuses(of: accepted + unknown, in: read, table: "booking_view")
        report.lost =
            accepted.filter { !isFinal($0, writeStatuses[$0]) || readStatuses[$0] != writeStatuses[$0] }.count
        let tookEffect = unknown.filter { writeStatuses[$0] != nil }
        report.unknownDecided = tookEffect.count
        report.unknownUnsettled =
            tookEffect.filter { !isFinal($0, writeStatuses[$0]) || readStatuses[$0] != writeStatuses[$0] }.count
        report.failedTookEffect = failed.filter { writeStatuses[$0] != nil }.count
        report.expiredRequests = try await write.query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT count(*) FROM bookings WHERE booking_id = ANY($1::uuid[]) AND reason = 'expired_request'",
                bindings: [accepted.postgresText])
        ).rows[0].decode(Int.self, at: 0)
        let ids = accepted + tookEffect

        report.doubles += try await seatsClaimedTwice(of: events, in: write, table: "bookings")
        report.doubles += try await seatsClaimedTwice(of: events, in: read, table: "booking_view")

        let journal = try await write.query(
            """
            SELECT stream_id, stream_version, entry_type, payload::text FROM journal
            WHERE stream_id = ANY(\(events)::text[]) ORDER BY stream_id, stream_version
            """)
        var folded: [SeatKey: String] = [:]
        var effects: [UUID: Int] = [:]
        var versions: [String: [Int64]] = [:]
        for row in journal {
            let stream = try row.decode(String.self, at: 0)
            versions[stream, default: []].append(try row.decode(Int64.self, at: 1))
            let entry = try JournalEntry(
                typeName: try row.decode(String.self, at: 2), payload: try row.decode(String.self, at: 3))
            guard let booking = entry.booking else { continue }
            // The entry a command's first decision appends: a second one would be the command applied twice.
            let creations: Set<String> =
                waits.contains(booking.bookingID)
                ? ["WaitlistJoined", "BookingRejected"] : ["SeatBooked", "BookingRejected"]
            if creations.contains(entry.typeName) { effects[booking.bookingID, default: 0] += 1 }
            for key in booking.seatKeys {
                switch entry {
                case .seatBooked, .seatHeld:
                    if let owner = folded[key], owner != booking.userID { report.doubles += 1 }
                    folded[key] = booking.userID
                case .seatReleased where folded[key] == booking.userID:
                    folded[key] = nil
                default:
                    break
                }
            }
        }
        for (stream, streamVersions) in versions where streamVersions != Array(1...Int64(streamVersions.count)) {
            report.problems.append("journal versions of \(stream) are not contiguous")
        }
        let twice = ids.filter { (effects[$0] ?? 0) != 1 }
        if !twice.isEmpty { report.problems.append("\(twice.count) commands not decided exactly once in the journal") }
        let state = try await seats(of: events, in: write, table: "seats").filter { $0.value.status != "available" }
        if state.mapValues(\.user) != folded {
            report.problems.append("the folded journal disagrees with the write DB's seats")
        }
        return report
    }

    struct SeatState: Equatable {
        let status: String
        let user: String?
    }

    private static func seats(
        of events: [String], in database: PostgresClient, table: String
    ) async throws
        -> [SeatKey: SeatState]
    {
        // `table` is one of two constants above, never input.
        let rows = try await database.query(
            PostgresQuery(
                unsafeSQL: "SELECT event_id, seat_id, status, user_id FROM \(table) WHERE event_id = ANY($1::text[])",
                bindings: [events.postgresText]))
        var seats: [SeatKey: SeatState] = [:]
        for row in rows {
            seats[SeatKey(eventID: try row.decode(String.self, at: 0), seatID: try row.decode(String.self, at: 1))] =
                SeatState(status: try row.decode(String.self, at: 2), user: try row.decodeIfPresent(String.self, at: 3))
        }
        return seats
    }

    private static func statuses(
        of ids: [UUID], in database: PostgresClient, table: String
    ) async throws -> [UUID: String] {
        let rows = try await database.query(
            PostgresQuery(
                unsafeSQL: "SELECT booking_id, status FROM \(table) WHERE booking_id = ANY($1::uuid[])",
                bindings: [ids.postgresText]))
        return Dictionary(
            uniqueKeysWithValues: try rows.map { (try $0.decode(UUID.self, at: 0), try $0.decode(String.self, at: 1)) })
    }

    /// Seats that two or more held or confirmed bookings claim.
    private static func seatsClaimedTwice(
        of events: [String], in database: PostgresClient, table: String
    ) async throws -> Int {
        // `table` is one of two constants above, never input.
        let rows = try await database.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*) FROM (
                        SELECT event_id, seat FROM \(table), unnest(seat_ids) AS seat
                        WHERE event_id = ANY($1::text[]) AND status IN ('CONFIRMED', 'HELD')
                        GROUP BY 1, 2 HAVING count(*) > 1) AS doubled
                    """,
                bindings: [events.postgresText]))
        return try rows.rows[0].decode(Int.self, at: 0)
    }

    /// True once `condition` says it holds; false when its measure of progress (say, requests decided) has not grown
    /// for `patience`. Database errors are thrown.
    private static func waitWhileProgressing(
        patience: Duration = .seconds(30), _ condition: () async throws -> (progress: Int, holds: Bool)
    ) async throws -> Bool {
        var best = Int.min
        var lastProgress = ContinuousClock.now
        while true {
            let (progress, holds) = try await condition()
            if holds { return true }
            if progress > best {
                best = progress
                lastProgress = .now
            } else if lastProgress.duration(to: .now) > patience {
                return false
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
