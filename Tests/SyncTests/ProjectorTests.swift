import BookingDomain
import Foundation
import Postgres
import SeatlineTestSupport
import Sync
import Testing

@Suite("Projector against the local stack's PostgreSQL")
struct ProjectorTests {
    typealias Environment = SyncTestEnvironment

    /// Transaction ids grow through every digit count (999 → 1000 happens within minutes on a fresh server), and
    /// projection order must follow their numbers, not their text, or the entries in between are skipped.
    @Test("projection order follows transaction ids as numbers across digit boundaries")
    func transactionIDsOrderAsNumbers() async throws {
        try await LocalStack.withScratchWriteModel(logger: Environment.logger) { journal in
            try await LocalStack.withScratchReadModel(logger: Environment.logger) { views in
                let projector = Projector(journal: journal, views: views, batchSize: 1, logger: Environment.logger)
                let events = ["nine", "ten", "hundred"].map { Environment.event($0, seats: ["A1"]) }
                // Long-finished transaction ids written explicitly, far below any running one.
                for (event, transactionID) in zip(events, [9, 10, 100] as [Int64]) {
                    let entry = JournalEntry.eventCreated(event, createdAt: Date())
                    _ = try await journal.query(
                        """
                        INSERT INTO journal (transaction_id, stream_id, stream_version, entry_type, payload)
                        VALUES (\(String(transactionID))::text::xid8, \(entry.streamID), 1, \(entry.typeName),
                                \(try entry.encodedPayload())::jsonb)
                        """)
                }
                #expect(try await projector.projectAvailable() == 3)
                for event in events {
                    #expect(try await Self.eventCount(event.eventID, in: views) == 1, "\(event.eventID)")
                }
            }
        }
    }

    @Test("an entry whose transaction commits late is projected, never skipped")
    func lateCommitIsNotSkipped() async throws {
        try await Environment.withScratchViews { journal, views in
            let projector = Projector(journal: journal, views: views, logger: Environment.logger)
            let early = Environment.event("gap-early", seats: ["A1", "A2"])
            let late = Environment.event("gap-late", seats: ["B1"])
            let (earlyEntry, lateEntry) = try await journal.withConnection { first in
                _ = try await first.query("BEGIN")
                let earlyEntry = try await Environment.append(
                    .eventCreated(early, createdAt: Date()), version: 1, on: first)
                // Appended after `early` and committed before it: a reader following positions would pass `early`.
                let lateEntry = try await Environment.append([(.eventCreated(late, createdAt: Date()), 1)], to: journal)
                #expect(lateEntry.position > earlyEntry.position)

                try await projector.projectAvailable()
                #expect(try await projector.checkpoint() < earlyEntry)
                #expect(try await Self.eventCount(early.eventID, in: views) == 0)
                #expect(try await Self.eventCount(late.eventID, in: views) == 0)

                _ = try await first.query("COMMIT")
                return (earlyEntry, lateEntry)
            }

            try await Environment.project(projector, through: max(earlyEntry, lateEntry))
            #expect(try await Self.eventCount(early.eventID, in: views) == 1)
            #expect(try await Self.eventCount(late.eventID, in: views) == 1)
            let seats = try await Environment.rows(
                """
                SELECT seat_id, position::text, status FROM seat_view WHERE event_id = \(early.eventID)
                ORDER BY seat_id
                """, in: views)
            #expect(seats == [["A1", "0", "available"], ["A2", "1", "available"]])
        }
    }

    @Test("rebuilding from the whole journal gives the views the incremental projection gave")
    func rebuildEqualsIncremental() async throws {
        try await Environment.withScratchViews { journal, incremental in
            let event = Environment.event("rebuild", seats: ["A1", "A2", "A3", "A4", "A5", "A6"])
            let id = event.eventID
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
            let heldUntil = now.addingTimeInterval(600)
            func booking(_ user: String, _ seats: [String], _ status: BookingStatus, reason: String? = nil) -> Booking {
                Booking(
                    bookingID: UUID(), eventID: id, userID: user, seatIDs: seats, status: status, reason: reason,
                    heldUntil: status == .held ? heldUntil : nil, createdAt: now, updatedAt: now)
            }
            var held = booking("ana", ["A1", "A2"], .held)
            let direct = booking("ben", ["A3"], .confirmed)
            var cancelled = booking("cy", ["A4", "A5"], .held)
            let rejected = booking("dee", ["A3"], .rejected, reason: "seat_taken")
            let lastHold = booking("eve", ["A5"], .held)

            let projector = Projector(journal: journal, views: incremental, batchSize: 2, logger: Environment.logger)
            var last = try await Environment.append(
                [(.eventCreated(event, createdAt: now), 1), (.seatHeld(held), 2), (.seatBooked(direct), 3)],
                to: journal)
            try await Environment.project(projector, through: last)

            held.status = .confirmed
            held.heldUntil = nil
            let heldCancelled = cancelled
            cancelled.status = .cancelled
            cancelled.heldUntil = nil
            last = try await Environment.append(
                [(.seatBooked(held), 4), (.seatHeld(heldCancelled), 5), (.seatReleased(cancelled), 6)], to: journal)
            try await Environment.project(projector, through: last)
            last = try await Environment.append(
                [(.bookingRejected(rejected), 7), (.seatHeld(lastHold), 8)], to: journal)
            try await Environment.project(projector, through: last)

            let expectedSeats: [[String?]] = [
                ["A1", "booked", held.bookingID.uuidString.lowercased(), "ana"],
                ["A2", "booked", held.bookingID.uuidString.lowercased(), "ana"],
                ["A3", "booked", direct.bookingID.uuidString.lowercased(), "ben"],
                ["A4", "available", nil, nil],
                ["A5", "held", lastHold.bookingID.uuidString.lowercased(), "eve"],
                ["A6", "available", nil, nil],
            ]
            let seats = try await Environment.rows(
                """
                SELECT seat_id, status, booking_id::text, user_id FROM seat_view WHERE event_id = \(id)
                ORDER BY seat_id
                """, in: incremental)
            #expect(seats == expectedSeats)
            let counts = try await Environment.rows(
                """
                SELECT total_seats::text, available_seats::text, held_seats::text, booked_seats::text, version::text
                FROM event_view WHERE event_id = \(id)
                """, in: incremental)
            #expect(counts == [["6", "2", "1", "3", "8"]])
            // Changes within one batch are coalesced, and batches depend on what else is in the journal, so the
            // feed is checked for where it ends: each seat's last change is its state, and a seat without any
            // change never left `available` in a committed batch.
            let lastChanges = try await Environment.rows(
                """
                SELECT DISTINCT ON (seat_id) seat_id, status, user_id FROM seat_changes WHERE event_id = \(id)
                ORDER BY seat_id, position DESC
                """, in: incremental)
            let finalStates = Dictionary(uniqueKeysWithValues: expectedSeats.map { ($0[0], [$0[0], $0[1], $0[3]]) })
            for change in lastChanges { #expect(change == finalStates[change[0]]) }
            let unchanged = Set(finalStates.keys).subtracting(lastChanges.map { $0[0] })
            #expect(unchanged.allSatisfy { finalStates[$0]?[1] == "available" })
            #expect(Set(lastChanges.map { $0[0] }).isSuperset(of: ["A1", "A2", "A3", "A5"]))

            let before = try await Self.snapshot(of: id, in: incremental)
            try await Environment.withScratchViews { journal, rebuilt in
                let rebuilder = Projector(journal: journal, views: rebuilt, logger: Environment.logger)
                try await rebuilder.rebuild()
                try await Environment.project(rebuilder, through: last)
                let after = try await Self.snapshot(of: id, in: rebuilt)
                #expect(after.events == before.events)
                #expect(after.seats == before.seats)
                #expect(after.bookings == before.bookings)
                #expect(after.bookings.count == 5)
            }
        }
    }

    @Test("entries read before older entries of their stream (even its EventCreated) converge all the same")
    func streamVersionsDecideNotReadOrder() async throws {
        try await Environment.withScratchViews { journal, views in
            let event = Environment.event("reorder", seats: ["A1", "A2"])
            let now = Date()
            var booking = Booking(
                bookingID: UUID(), eventID: event.eventID, userID: "ana", seatIDs: ["A1"], status: .held,
                heldUntil: now.addingTimeInterval(600), createdAt: now, updatedAt: now)
            let hold = booking
            booking.status = .cancelled
            booking.heldUntil = nil
            let release = booking
            // One entry per batch, so the SQL, not the batch's own reduction, has to keep the newer change.
            let projector = Projector(journal: journal, views: views, batchSize: 1, logger: Environment.logger)

            // As a worker does: its transaction id is taken by its first write, then it reads what others
            // committed meanwhile (the event, the hold) and releases the hold. Projection order puts the
            // release (version 3) before the event's creation (1) and the hold (2).
            let last = try await journal.withConnection { worker in
                _ = try await worker.query("BEGIN")
                _ = try await worker.query("SELECT pg_current_xact_id()")
                let created = try await Environment.append([(.eventCreated(event, createdAt: now), 1)], to: journal)
                let held = try await Environment.append([(.seatHeld(hold), 2)], to: journal)
                let released = try await Environment.append(.seatReleased(release), version: 3, on: worker)
                _ = try await worker.query("COMMIT")
                #expect(released < created && created < held)
                return held
            }
            try await Environment.project(projector, through: last)

            let seats = try await Environment.rows(
                """
                SELECT seat_id, position::text, status, version::text FROM seat_view WHERE event_id = \(event.eventID)
                ORDER BY seat_id
                """, in: views)
            #expect(seats == [["A1", "0", "available", "3"], ["A2", "1", "available", "1"]])
            let bookings = try await Environment.rows(
                "SELECT status, version::text FROM booking_view WHERE booking_id = \(booking.bookingID)", in: views)
            #expect(bookings == [["CANCELLED", "3"]])
            let counts = try await Environment.rows(
                """
                SELECT total_seats::text, available_seats::text, held_seats::text, version::text FROM event_view
                WHERE event_id = \(event.eventID)
                """, in: views)
            #expect(counts == [["2", "2", "0", "3"]])
        }
    }

    private static func eventCount(_ eventID: String, in views: PostgresClient) async throws -> Int {
        let result = try await views.query("SELECT count(*) FROM event_view WHERE event_id = \(eventID)")
        return try #require(result.rows.first).decode(Int.self, at: 0)
    }

    /// The event's three views, everything but the revision (a cache token that differs by design).
    private static func snapshot(
        of eventID: String, in views: PostgresClient
    ) async throws -> (events: [[String?]], seats: [[String?]], bookings: [[String?]]) {
        let events = try await Environment.rows(
            """
            SELECT event_id, name, date, venue, total_seats, available_seats, held_seats, booked_seats, version,
                created_at
            FROM event_view WHERE event_id = \(eventID)
            """, in: views)
        let seats = try await Environment.rows(
            """
            SELECT seat_id, position, status, booking_id, user_id, held_until, version
            FROM seat_view WHERE event_id = \(eventID) ORDER BY seat_id
            """, in: views)
        let bookings = try await Environment.rows(
            """
            SELECT booking_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at, version
            FROM booking_view WHERE event_id = \(eventID) ORDER BY booking_id
            """, in: views)
        return (events, seats, bookings)
    }
}
