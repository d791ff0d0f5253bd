import Foundation
import Testing

@testable import BookingDomain

@Suite struct SeatLedgerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let event = "concert"

    let place = SeatPlace(rowIndex: 0, number: 1, category: "standard")
    var known: [String: EventTerms] {
        [event: EventTerms(currency: .euro, salesStart: nil, salesEnd: nil, prices: ["standard": 0])]
    }

    func seats(_ ids: [String], version: Int64 = 3) -> [SeatKey: Seat] {
        Dictionary(
            uniqueKeysWithValues: ids.enumerated().map { index, id in
                (
                    SeatKey(eventID: event, seatID: id),
                    Seat.available(
                        version: version, place: SeatPlace(rowIndex: 0, number: index + 1, category: "standard"))
                )
            })
    }

    func command(_ action: BookingCommand.Action, id: UUID = UUID(), deadline: TimeInterval = 60) -> BookingCommand {
        BookingCommand(commandID: id, acceptedAt: now, deadline: now.addingTimeInterval(deadline), action: action)
    }

    func book(_ user: String, _ seatIDs: [String]) -> BookingCommand {
        command(.book(SeatRequest(userID: user, eventID: event, seatIDs: seatIDs)))
    }

    func hold(_ user: String, _ seatIDs: [String], seconds: Int = 600) -> BookingCommand {
        command(.hold(SeatRequest(userID: user, eventID: event, seatIDs: seatIDs), holdSeconds: seconds))
    }

    @Test func firstComeFirstServedWithinABatch() {
        var ledger = SeatLedger(events: known, seats: seats(["A1", "A2"]), bookings: [:])
        #expect(ledger.apply(book("ann", ["A1"]), now: now) == .applied(.confirmed))
        #expect(ledger.apply(book("bob", ["A1"]), now: now) == .rejected(.seatTaken))
        #expect(ledger.seatWrites.count == 1)
        #expect(ledger.seatWrites[0].expectedVersion == 3)
        #expect(
            ledger.seatWrites[0].seat
                == Seat(
                    status: .booked, bookingID: ledger.bookingWrites.first { $0.status == .confirmed }?.bookingID,
                    userID: "ann", version: 4, place: SeatPlace(rowIndex: 0, number: 1, category: "standard")))
        #expect(ledger.journal.map(\.typeName) == ["SeatBooked", "BookingRejected"])
    }

    @Test func multiSeatRequestIsAllOrNothing() {
        var ledger = SeatLedger(events: known, seats: seats(["A1", "A2", "A3"]), bookings: [:])
        _ = ledger.apply(book("ann", ["A2"]), now: now)
        #expect(ledger.apply(book("bob", ["A1", "A2", "A3"]), now: now) == .rejected(.seatTaken))
        #expect(ledger.seatWrites.map(\.key.seatID) == ["A2"])
    }

    @Test func unknownEventSeatAndLateRequestsAreRejected() {
        var ledger = SeatLedger(events: known, seats: seats(["A1"]), bookings: [:])
        let unknownEvent = command(.book(SeatRequest(userID: "ann", eventID: "nope", seatIDs: ["A1"])))
        #expect(ledger.apply(unknownEvent, now: now) == .rejected(.unknownEvent))
        #expect(ledger.apply(book("ann", ["A1", "Z9"]), now: now) == .rejected(.unknownSeat))
        let late = command(.book(SeatRequest(userID: "ann", eventID: event, seatIDs: ["A1"])), deadline: -1)
        #expect(ledger.apply(late, now: now) == .rejected(.expiredRequest))
        #expect(ledger.seatWrites.isEmpty)
        #expect(ledger.bookingWrites.allSatisfy { $0.status == .rejected && $0.reason != nil })
    }

    @Test func holdThenConfirmByOwnerOnlyOnce() {
        var ledger = SeatLedger(events: known, seats: seats(["A1"]), bookings: [:])
        let holdCommand = hold("ann", ["A1"])
        #expect(ledger.apply(holdCommand, now: now) == .applied(.held))
        let reference = BookingReference(bookingID: holdCommand.commandID, userID: "ann")
        let stranger = BookingReference(bookingID: holdCommand.commandID, userID: "eve")
        #expect(ledger.apply(command(.confirm(stranger)), now: now) == .refused(.notOwner))
        #expect(ledger.apply(command(.confirm(reference)), now: now) == .applied(.confirmed))
        #expect(ledger.apply(command(.confirm(reference)), now: now) == .unchanged)
        #expect(ledger.seatWrites.map(\.seat.status) == [.booked])
        #expect(ledger.journal.map(\.typeName) == ["SeatHeld", "SeatBooked"])
    }

    @Test func confirmAfterHeldUntilExpiresTheHold() {
        var ledger = SeatLedger(events: known, seats: seats(["A1"]), bookings: [:])
        let holdCommand = hold("ann", ["A1"], seconds: 10)
        _ = ledger.apply(holdCommand, now: now)
        let confirm = command(.confirm(BookingReference(bookingID: holdCommand.commandID, userID: "ann")), deadline: 60)
        #expect(ledger.apply(confirm, now: now.addingTimeInterval(11)) == .rejected(.holdExpired))
        #expect(ledger.bookingWrites.map(\.status) == [.expired])
        #expect(ledger.seatWrites.map(\.seat.status) == [.available])
    }

    @Test func cancelReleasesSeatsAndIgnoresStrangers() {
        let bookingID = UUID()
        let key = SeatKey(eventID: event, seatID: "A1")
        let booked = Seat(status: .booked, bookingID: bookingID, userID: "ann", version: 7, place: place)
        let booking = Booking(
            bookingID: bookingID, eventID: event, userID: "ann", seatIDs: ["A1"], status: .confirmed, createdAt: now,
            updatedAt: now)
        var ledger = SeatLedger(events: known, seats: [key: booked], bookings: [bookingID: booking])
        #expect(
            ledger.apply(command(.cancel(BookingReference(bookingID: bookingID, userID: "eve"))), now: now)
                == .refused(.notOwner))
        #expect(ledger.seatWrites.isEmpty)
        #expect(
            ledger.apply(command(.cancel(BookingReference(bookingID: bookingID, userID: "ann"))), now: now)
                == .applied(.cancelled))
        #expect(ledger.seatWrites == [.init(key: key, expectedVersion: 7, seat: .available(version: 8, place: place))])
        #expect(ledger.apply(book("bob", ["A1"]), now: now) == .applied(.confirmed))
    }

    @Test func expiryReleasesOnlyHoldsPastTheirEnd() {
        var ledger = SeatLedger(events: known, seats: seats(["A1", "A2"]), bookings: [:])
        let short = hold("ann", ["A1"], seconds: 5)
        let long = hold("bob", ["A2"], seconds: 600)
        _ = ledger.apply(short, now: now)
        _ = ledger.apply(long, now: now)
        _ = ledger.apply(command(.expireHolds), now: now.addingTimeInterval(6))
        let statuses = Dictionary(uniqueKeysWithValues: ledger.bookingWrites.map { ($0.bookingID, $0.status) })
        #expect(statuses[short.commandID] == .expired)
        #expect(statuses[long.commandID] == .held)
    }

    @Test func createdEventIsBookableInTheSameBatch() {
        var ledger = SeatLedger(events: [:], seats: [:], bookings: [:])
        let definition = EventDefinition(
            eventID: event, name: "Gig", date: "2027-01-01", venue: "Hall", seatIDs: ["1", "2"])
        #expect(ledger.apply(command(.createEvent(definition)), now: now) == .applied(.confirmed))
        #expect(ledger.apply(command(.createEvent(definition)), now: now) == .refused(.eventExists))
        #expect(ledger.apply(book("ann", ["2"]), now: now) == .applied(.confirmed))
        #expect(ledger.seatWrites.map(\.expectedVersion) == [0])
        #expect(ledger.createdEvents == [definition])
    }
}
