import Foundation
import Testing

@testable import BookingDomain

/// Waiting lists and hold extensions decided by the ledger.
@Suite struct WaitlistTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let event = "hall"

    /// An event of one row of `seats` seats, all of one category, none taken.
    func ledger(seats count: Int) -> SeatLedger {
        var ledger = SeatLedger(events: [:], seats: [:], bookings: [:])
        let definition = EventDefinition(
            eventID: event, name: "Hall", date: "2027-01-01", venue: "", currency: .euro,
            categories: [.init(name: "stalls", priceMinor: 1000)],
            seats: SeatPlacement.oneRow((1...count).map(String.init), category: "stalls"))
        _ = ledger.apply(command(.createEvent(definition)), now: now)
        return ledger
    }

    func command(_ action: BookingCommand.Action, at instant: Date? = nil) -> BookingCommand {
        let accepted = instant ?? now
        return BookingCommand(
            commandID: UUID(), acceptedAt: accepted, deadline: accepted.addingTimeInterval(60), action: action)
    }

    func request(_ user: String, _ quantity: Int, category: String? = nil) -> SeatRequest {
        SeatRequest(
            userID: user, eventID: event,
            selection: .bestAvailable(BestAvailable(quantity: quantity, category: category)))
    }

    func booking(_ command: BookingCommand, in ledger: SeatLedger) -> Booking? {
        ledger.bookingWrites.first { $0.bookingID == command.commandID }
    }

    func reference(_ command: BookingCommand, _ user: String) -> BookingReference {
        BookingReference(bookingID: command.commandID, userID: user)
    }

    @Test func freedSeatsAreOfferedToTheWaitingInTheOrderTheyJoined() {
        var ledger = ledger(seats: 2)
        let ann = command(.book(request("ann", 1)))
        let bob = command(.book(request("bob", 1)))
        #expect(ledger.apply(ann, now: now) == .applied(.confirmed))
        #expect(ledger.apply(bob, now: now) == .applied(.confirmed))
        let waiters = ["cy", "dee", "eve"].map { command(.wait(request($0, 1), holdSeconds: 60)) }
        for waiter in waiters { #expect(ledger.apply(waiter, now: now) == .applied(.waiting)) }
        #expect(waiters.compactMap { booking($0, in: ledger)?.waitlistPosition } == [1, 2, 3])

        #expect(ledger.apply(command(.cancel(reference(ann, "ann"))), now: now) == .applied(.cancelled))
        #expect(booking(waiters[0], in: ledger)?.status == .held)
        #expect(booking(waiters[0], in: ledger)?.seatIDs == ["1"])
        #expect(booking(waiters[0], in: ledger)?.heldUntil == now.addingTimeInterval(60))
        #expect(booking(waiters[0], in: ledger)?.totalPriceMinor == 1000)
        #expect(booking(waiters[1], in: ledger)?.status == .waiting)
        #expect(ledger.apply(command(.cancel(reference(bob, "bob"))), now: now) == .applied(.cancelled))
        #expect(booking(waiters[1], in: ledger)?.status == .held)
        #expect(booking(waiters[1], in: ledger)?.seatIDs == ["2"])

        // The second offer runs out: its seat goes to the third in line, not back to the open sale.
        let later = now.addingTimeInterval(61)
        #expect(
            ledger.apply(command(.confirm(reference(waiters[0], "cy")), at: later), now: later)
                == .rejected(.holdExpired))
        #expect(booking(waiters[2], in: ledger)?.status == .held)
        #expect(booking(waiters[2], in: ledger)?.seatIDs == ["1"])
        _ = ledger.apply(command(.expireHolds, at: later), now: later)
        #expect(booking(waiters[1], in: ledger)?.status == .expired)
        #expect(booking(waiters[2], in: ledger)?.status == .held)
        #expect(ledger.apply(command(.book(request("fay", 1)), at: later), now: later) == .applied(.confirmed))
    }

    @Test func theOpenSalePassesOverSeatsKeptForTheWaitingList() {
        var ledger = ledger(seats: 3)
        let all = command(.book(request("ann", 3)))
        #expect(ledger.apply(all, now: now) == .applied(.confirmed))
        let wantsThree = command(.wait(request("bob", 3), holdSeconds: 60))
        #expect(ledger.apply(wantsThree, now: now) == .applied(.waiting))
        let wantsOne = command(.wait(request("cy", 1), holdSeconds: 60))
        #expect(ledger.apply(wantsOne, now: now) == .applied(.waiting))
        // All three come back: the first in line takes them, the one behind keeps waiting.
        #expect(ledger.apply(command(.cancel(reference(all, "ann"))), now: now) == .applied(.cancelled))
        #expect(booking(wantsThree, in: ledger)?.status == .held)
        #expect(booking(wantsOne, in: ledger)?.status == .waiting)

        var second = self.ledger(seats: 3)
        let two = command(.book(request("ann", 2)))
        let one = command(.book(request("dan", 1)))
        _ = second.apply(two, now: now)
        _ = second.apply(one, now: now)
        let threeWaiting = command(.wait(request("bob", 3), holdSeconds: 60))
        let oneWaiting = command(.wait(request("cy", 1), holdSeconds: 60))
        #expect(second.apply(threeWaiting, now: now) == .applied(.waiting))
        #expect(second.apply(oneWaiting, now: now) == .applied(.waiting))
        // Two seats come back: not enough for the first in line, who keeps the place; nobody behind overtakes, and
        // the open sale cannot have them either.
        #expect(second.apply(command(.cancel(reference(two, "ann"))), now: now) == .applied(.cancelled))
        #expect(booking(threeWaiting, in: second)?.status == .waiting)
        #expect(booking(oneWaiting, in: second)?.status == .waiting)
        #expect(second.apply(command(.book(request("eve", 1))), now: now) == .rejected(.reservedForWaitlist))
        #expect(
            second.apply(command(.book(SeatRequest(userID: "eve", eventID: event, seatIDs: ["1"]))), now: now)
                == .rejected(.reservedForWaitlist))
        #expect(second.apply(command(.cancel(reference(one, "dan"))), now: now) == .applied(.cancelled))
        #expect(booking(threeWaiting, in: second)?.status == .held)
        #expect(booking(threeWaiting, in: second)?.seatIDs == ["1", "2", "3"])
    }

    @Test func joiningIsRefusedWhenSeatsAreFreeOrTheUserAlreadyWaits() {
        var ledger = ledger(seats: 2)
        #expect(
            ledger.apply(command(.wait(request("ann", 1), holdSeconds: 60)), now: now) == .rejected(.seatsAvailable))
        _ = ledger.apply(command(.book(request("bob", 2))), now: now)
        #expect(ledger.apply(command(.wait(request("ann", 1), holdSeconds: 60)), now: now) == .applied(.waiting))
        #expect(
            ledger.apply(command(.wait(request("ann", 2), holdSeconds: 60)), now: now) == .rejected(.alreadyWaiting))
        #expect(
            ledger.apply(command(.wait(request("ann", 1, category: "balcony"), holdSeconds: 60)), now: now)
                == .rejected(.unknownCategory))
        #expect(
            ledger.apply(
                command(.wait(SeatRequest(userID: "cy", eventID: "nowhere", seatIDs: []), holdSeconds: 60)), now: now)
                == .rejected(.unknownEvent))
    }

    @Test func leavingTheListAndSalesEndingEndTheWait() {
        var ledger = ledger(seats: 1)
        _ = ledger.apply(command(.book(request("bob", 1))), now: now)
        let waiter = command(.wait(request("ann", 1), holdSeconds: 60))
        _ = ledger.apply(waiter, now: now)
        #expect(ledger.apply(command(.cancel(reference(waiter, "eve"))), now: now) == .refused(.notOwner))
        #expect(ledger.apply(command(.cancel(reference(waiter, "ann"))), now: now) == .applied(.cancelled))
        #expect(ledger.apply(command(.wait(request("ann", 1), holdSeconds: 60)), now: now) == .applied(.waiting))
    }

    @Test func extensionsMoveTheHoldOnUpToTheLimit() {
        var ledger = ledger(seats: 2)
        let hold = command(.hold(request("ann", 1), holdSeconds: 10))
        #expect(ledger.apply(hold, now: now) == .applied(.held))
        func extend(_ user: String, at seconds: TimeInterval) -> SeatLedger.Decision {
            let instant = now.addingTimeInterval(seconds)
            return ledger.apply(
                command(.extend(reference(hold, user), holdSeconds: 10, maxHoldSeconds: 25), at: instant), now: instant)
        }
        #expect(extend("eve", at: 1) == .refused(.notOwner))
        #expect(booking(hold, in: ledger)?.heldUntil == now.addingTimeInterval(10))
        #expect(extend("ann", at: 2) == .applied(.held))
        #expect(booking(hold, in: ledger)?.heldUntil == now.addingTimeInterval(20))
        #expect(extend("ann", at: 3) == .applied(.held))
        #expect(booking(hold, in: ledger)?.heldUntil == now.addingTimeInterval(25))
        #expect(extend("ann", at: 4) == .refused(.holdExtensionLimit))
        #expect(booking(hold, in: ledger)?.heldUntil == now.addingTimeInterval(25))
        #expect(booking(hold, in: ledger)?.reason == "hold_extension_limit")
        #expect(ledger.seatWrites.first?.seat.heldUntil == now.addingTimeInterval(25))
        #expect(extend("ann", at: 26) == .rejected(.holdExpired))
    }
}
