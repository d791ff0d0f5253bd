import BookingDomain
import Foundation
import Logging
import Postgres
import SeatlineTestSupport
import Testing

@testable import Worker

/// Holds against the real write DB: who may act on them, and how they end.
@Suite struct HoldTests {
    let database = PostgresClient(
        configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL),
        logger: Logger(label: "test"))
    var store: BatchStore { BatchStore(database: database) }
    let event = "hold-test-\(UUID().uuidString.lowercased())"

    func command(_ action: BookingCommand.Action, at now: Date = Date()) -> BookingCommand {
        BookingCommand(commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(60), action: action)
    }

    func hold(_ user: String, _ seats: [String], seconds: Int = 600, at now: Date = Date()) -> BookingCommand {
        command(.hold(SeatRequest(userID: user, eventID: event, seatIDs: seats), holdSeconds: seconds), at: now)
    }

    func setUp(seats: [String]) async throws {
        let definition = EventDefinition(
            eventID: event, name: "Holds", date: "2027-01-01", venue: "Hall", seatIDs: seats)
        _ = try await store.apply([command(.createEvent(definition))])
    }

    func status(of booking: UUID) async throws -> String {
        try await database.query("SELECT status FROM bookings WHERE booking_id = \(booking)").rows[0]
            .decode(String.self, at: 0)
    }

    /// Sets up an event with `seats` and holds each seat for one second from now; returns the holds and their start.
    func holdEachForOneSecond(_ seats: [String], user: (String) -> String) async throws -> ([BookingCommand], Date) {
        try await setUp(seats: seats)
        let start = Date()
        let holds = seats.map { hold(user($0), [$0], seconds: 1, at: start) }
        _ = try await store.apply(holds, now: start)
        return (holds, start)
    }

    /// Every one of `holds` released by exactly one journal entry, and every seat of the event available but those
    /// `leavingHeld`.
    func expectEachReleasedOnce(_ holds: [BookingCommand], leavingHeld: [String] = []) async throws {
        let releases = try await database.query(
            """
            SELECT payload->>'bookingID', count(*) FROM journal
            WHERE stream_id = \(event) AND entry_type = 'SeatReleased' GROUP BY 1
            """)
        #expect(releases.rows.count == holds.count)
        #expect(try releases.rows.allSatisfy { try $0.decode(Int.self, at: 1) == 1 })
        #expect(
            try await seatStates().filter { !leavingHeld.contains($0.key) }.values.allSatisfy { $0 == "available:" })
    }

    func seatStates() async throws -> [String: String] {
        let rows = try await database.query(
            "SELECT seat_id, status || ':' || COALESCE(user_id, '') FROM seats WHERE event_id = \(event)")
        return Dictionary(
            uniqueKeysWithValues: try rows.map {
                (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1))
            })
    }

    @Test func heldSeatCannotBeBookedOrHeldByAnother() async throws {
        try await setUp(seats: ["A1"])
        let held = hold("ann", ["A1"])
        let book = command(.book(SeatRequest(userID: "bob", eventID: event, seatIDs: ["A1"])))
        let holdAgain = hold("bob", ["A1"])
        let result = try await store.apply([held, book, holdAgain])
        #expect(result.decisions[held.commandID] == .applied(.held))
        #expect(result.decisions[book.commandID] == .rejected(.seatTaken))
        #expect(result.decisions[holdAgain.commandID] == .rejected(.seatTaken))
        #expect(try await seatStates() == ["A1": "held:ann"])
    }

    @Test func confirmOrCancelByAnotherUserChangesNothing() async throws {
        try await setUp(seats: ["A1"])
        let held = hold("ann", ["A1"])
        _ = try await store.apply([held])
        let journalBefore = try await database.query("SELECT count(*) FROM journal WHERE stream_id = \(event)").rows[0]
            .decode(Int.self, at: 0)
        let confirm = command(.confirm(BookingReference(bookingID: held.commandID, userID: "eve")))
        let cancel = command(.cancel(BookingReference(bookingID: held.commandID, userID: "eve")))
        let result = try await store.apply([confirm, cancel])
        #expect(result.decisions[confirm.commandID] == .refused(.notOwner))
        #expect(result.decisions[cancel.commandID] == .refused(.notOwner))
        #expect(try await status(of: held.commandID) == "HELD")
        #expect(try await seatStates() == ["A1": "held:ann"])
        let journalAfter = try await database.query("SELECT count(*) FROM journal WHERE stream_id = \(event)").rows[0]
            .decode(Int.self, at: 0)
        #expect(journalAfter == journalBefore)
    }

    @Test func confirmTwiceHasOneEffect() async throws {
        try await setUp(seats: ["A1"])
        let held = hold("ann", ["A1"])
        _ = try await store.apply([held])
        let reference = BookingReference(bookingID: held.commandID, userID: "ann")
        let first = command(.confirm(reference))
        let second = command(.confirm(reference))
        let result = try await store.apply([first, second])
        #expect(result.decisions[first.commandID] == .applied(.confirmed))
        #expect(result.decisions[second.commandID] == .unchanged)
        #expect(try await seatStates() == ["A1": "booked:ann"])
    }

    /// Confirm and expiry decided concurrently at the hold's end, in separate transactions: the
    /// seat fence lets exactly one of them win, and the seat agrees with the booking.
    @Test func confirmRacingExpiryEndsInExactlyOne() async throws {
        let seats = (1...20).map { "R\($0)" }
        let (holds, start) = try await holdEachForOneSecond(seats) { "racer-\($0)" }
        let end = start.addingTimeInterval(1)
        let store = self.store
        for (held, seat) in zip(holds, seats) {
            // Just before the end the confirm is in time; the expiry decides at the end itself.
            let confirm = BookingCommand(
                commandID: UUID(), acceptedAt: start, deadline: end.addingTimeInterval(60),
                action: .confirm(BookingReference(bookingID: held.commandID, userID: "racer-\(seat)")))
            let expire = BookingCommand(commandID: UUID(), acceptedAt: end, deadline: end, action: .expireHolds)
            async let confirmed = store.applyRetryingConflicts(confirm, now: end.addingTimeInterval(-0.001))
            async let expired = store.applyRetryingConflicts(expire, now: end)
            _ = try await (confirmed, expired)
        }
        let rows = try await database.query(
            """
            SELECT b.status, s.status FROM bookings b JOIN seats s ON s.event_id = b.event_id AND s.seat_id = b.seat_ids[1]
            WHERE b.booking_id = ANY(\(holds.map(\.commandID))::uuid[])
            """)
        #expect(rows.rows.count == holds.count)
        for row in rows {
            let booking = try row.decode(String.self, at: 0)
            let seat = try row.decode(String.self, at: 1)
            #expect(booking == "CONFIRMED" && seat == "booked" || booking == "EXPIRED" && seat == "available")
        }
    }

    /// Sweeps running at once, as when a lease changes hands or a stack's sweepers overlap: each decides from one
    /// snapshot, so a sweep that read a hold as HELD cannot release it after another sweep already has.
    @Test func concurrentSweepsReleaseEachHoldOnce() async throws {
        let (holds, start) = try await holdEachForOneSecond((1...40).map { "C\($0)" }) { _ in "sweepee" }
        // A millisecond past the end: the write DB keeps microseconds, so at the very end a hold can read back a
        // fraction later than `now` and stay held for this sweep.
        let end = start.addingTimeInterval(1.001)
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<10 {
                        let sweep = BookingCommand(
                            commandID: UUID(), acceptedAt: end, deadline: end, action: .expireHolds)
                        _ = try await store.applyRetryingConflicts(sweep, now: end)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await expectEachReleasedOnce(holds)
    }

    /// A sweep fenced by a term that is not the current one, or by a node that does not lead it, changes nothing;
    /// under the current leader's term the same sweep releases the holds it reaches, each once.
    ///
    /// The stale sweeps run ten minutes ahead, past holds that last that long: no other sweep (other tests' and the
    /// stack's own leader, a few seconds ahead at most) can end those holds while the test runs, so a seat that is no
    /// longer held means a fenced sweep went through. The current term's sweep runs just past two-second holds instead,
    /// since every sweep expires every event's holds and sweeping far ahead would end other tests' holds early.
    @Test func aSweepUnderATermThatIsOverChangesNothing() async throws {
        let lasting = (1...5).map { "L\($0)" }
        let ending = (1...5).map { "F\($0)" }
        try await setUp(seats: lasting + ending)
        let current = try await eventually("a leader in the stack", every: .milliseconds(200)) {
            let row = try await database.query("SELECT leader_id, term FROM leadership").rows[0]
            return try row.decodeIfPresent(Int.self, at: 0).map {
                BatchStore.LeaderFence(nodeID: $0, term: try row.decode(Int64.self, at: 1))
            }
        }
        let start = Date()
        let lastingHolds = lasting.map { hold("lasting", [$0], seconds: 600, at: start) }
        let endingHolds = ending.map { hold("ending", [$0], seconds: 2, at: start) }
        _ = try await store.apply(lastingHolds + endingHolds, now: start)
        let farAhead = start.addingTimeInterval(600.001)
        for stale in [
            BatchStore.LeaderFence(nodeID: current.nodeID, term: current.term - 1),
            BatchStore.LeaderFence(nodeID: current.nodeID + 1000, term: current.term),
        ] {
            await #expect(throws: BatchStore.LeaderFenced.self) {
                try await store.applyRetryingConflicts(command(.expireHolds, at: farAhead), now: farAhead, fence: stale)
            }
        }
        #expect(try await seatStates().filter { lasting.contains($0.key) }.values.allSatisfy { $0 == "held:lasting" })
        let later = start.addingTimeInterval(2.001)
        // Retried under a newer term should the stack elect meanwhile; another sweep may release the holds first.
        _ = try await eventually("a sweep under the current term", every: .milliseconds(200)) { () -> Bool? in
            let row = try await database.query("SELECT leader_id, term FROM leadership").rows[0]
            let fence = BatchStore.LeaderFence(
                nodeID: try row.decode(Int.self, at: 0), term: try row.decode(Int64.self, at: 1))
            do {
                _ = try await store.applyRetryingConflicts(command(.expireHolds, at: later), now: later, fence: fence)
                return true
            } catch is BatchStore.LeaderFenced {
                return nil
            }
        }
        try await expectEachReleasedOnce(endingHolds, leavingHeld: lasting)
    }
}
