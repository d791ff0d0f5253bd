import Foundation
import SeatlineTestSupport
import Testing

@testable import BookingDomain

/// Best-available requests decided by the ledger: side by side in one row, first in seat order, no single
/// seat stranded when another choice exists.
@Suite struct BestAvailableTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let event = "hall"

    /// A seat map written as one string per row, `.` free and `x` taken, optionally a category letter per seat
    /// (`v` vip, anything else `stalls`); seat ids are `r<row>-<number>`.
    func ledger(
        _ rows: [String], categories: [String]? = nil, coverage: FreeSeatCoverage = .allRows,
        salesStart: Date? = nil, salesEnd: Date? = nil
    ) -> SeatLedger {
        var seats: [SeatKey: Seat] = [:]
        for (rowIndex, row) in rows.enumerated() {
            let letters = categories.map { Array($0[rowIndex]) }
            for (offset, mark) in row.enumerated() {
                let category = letters?[offset] == "v" ? "vip" : "stalls"
                let place = SeatPlace(rowIndex: rowIndex, number: offset + 1, category: category)
                seats[key(rowIndex, offset + 1)] =
                    mark == "x"
                    ? Seat(status: .booked, bookingID: UUID(), userID: "someone", version: 1, place: place)
                    : .available(version: 1, place: place)
            }
        }
        let terms = EventTerms(
            currency: .euro, salesStart: salesStart, salesEnd: salesEnd, prices: ["stalls": 3550, "vip": 8000])
        return SeatLedger(events: [event: terms], seats: seats, bookings: [:], freeSeatCoverage: [event: coverage])
    }

    func key(_ row: Int, _ number: Int) -> SeatKey {
        SeatKey(eventID: event, seatID: "r\(row)-\(number)")
    }

    func best(
        _ quantity: Int, category: String? = nil, adjacent: Bool = true, acceptedAt: Date? = nil
    ) -> BookingCommand {
        let request = SeatRequest(
            userID: "ann", eventID: event,
            selection: .bestAvailable(BestAvailable(quantity: quantity, category: category, adjacent: adjacent)))
        let accepted = acceptedAt ?? now
        return BookingCommand(
            commandID: UUID(), acceptedAt: accepted, deadline: now.addingTimeInterval(60), action: .book(request))
    }

    /// The seats the booking of `command` got.
    func seats(of command: BookingCommand, in ledger: SeatLedger) -> [String] {
        ledger.bookingWrites.first { $0.bookingID == command.commandID }?.seatIDs ?? []
    }

    @Test func theFirstRunThatFitsInSeatOrderIsTaken() {
        var ledger = ledger(["..xx......"])
        let pair = best(2)
        let three = best(3)
        #expect(ledger.apply(pair, now: now) == .applied(.confirmed))
        #expect(ledger.apply(three, now: now) == .applied(.confirmed))
        #expect(seats(of: pair, in: ledger) == ["r0-1", "r0-2"])
        #expect(seats(of: three, in: ledger) == ["r0-5", "r0-6", "r0-7"])
    }

    @Test func aSingleSeatIsNotStrandedWhenAnotherRowFitsWithoutIt() {
        var ledger = ledger([".....", "......"])
        let four = best(4)
        #expect(ledger.apply(four, now: now) == .applied(.confirmed))
        #expect(seats(of: four, in: ledger) == ["r1-1", "r1-2", "r1-3", "r1-4"])
    }

    @Test func aPlacementFurtherAlongARowAvoidsStrandingItsFirstSeat() {
        // Taking 2–3 would leave 1 alone between the aisle and the taken seats; 3–4 leaves 1–2 together.
        var ledger = ledger([".x....x"])
        let pair = best(2)
        #expect(ledger.apply(pair, now: now) == .applied(.confirmed))
        #expect(seats(of: pair, in: ledger) == ["r0-3", "r0-4"])
    }

    @Test func whenEveryChoiceStrandsASeatTheFirstIsTaken() {
        var ledger = ledger(["...", "..."])
        let pair = best(2)
        #expect(ledger.apply(pair, now: now) == .applied(.confirmed))
        #expect(seats(of: pair, in: ledger) == ["r0-1", "r0-2"])
    }

    @Test func anExactFitIsTakenWhole() {
        var ledger = ledger(["x...x"])
        let three = best(3)
        #expect(ledger.apply(three, now: now) == .applied(.confirmed))
        #expect(seats(of: three, in: ledger) == ["r0-2", "r0-3", "r0-4"])
    }

    @Test func aCategoryLimitsTheSeatsAndPricesTheBooking() {
        var ledger = ledger(["......", "......"], categories: ["ssssvv", "vvvvss"])
        let vip = best(3, category: "vip")
        #expect(ledger.apply(vip, now: now) == .applied(.confirmed))
        #expect(seats(of: vip, in: ledger) == ["r1-1", "r1-2", "r1-3"])
        let booking = ledger.bookingWrites.first { $0.bookingID == vip.commandID }
        #expect(booking?.totalPriceMinor == Int64(24_000))
        #expect(booking?.currency == "EUR")
        #expect(booking?.category == "vip")
        #expect(booking?.quantity == 3)
        let unknown = best(1, category: "balcony")
        #expect(ledger.apply(unknown, now: now) == .rejected(.unknownCategory))
    }

    @Test func withoutAdjacencyTheFirstFreeSeatsInSeatOrderServe() {
        var ledger = ledger(["..x..", "x..x."])
        #expect(ledger.apply(best(3), now: now) == .rejected(.notEnoughAdjacentSeats))
        let spread = best(3, adjacent: false)
        #expect(ledger.apply(spread, now: now) == .applied(.confirmed))
        #expect(seats(of: spread, in: ledger) == ["r0-1", "r0-2", "r0-4"])
    }

    @Test func fewerFreeSeatsThanAskedIsSoldOut() {
        var ledger = ledger(["x..x", "xxxx"])
        #expect(ledger.apply(best(3), now: now) == .rejected(.soldOut))
        #expect(ledger.apply(best(3, adjacent: false), now: now) == .rejected(.soldOut))
        #expect(ledger.apply(best(2), now: now) == .applied(.confirmed))
        #expect(ledger.apply(best(1), now: now) == .rejected(.soldOut))
    }

    @Test func seatsFreedEarlierInTheBatchServeLaterRequests() {
        var ledger = ledger(["..."])
        let first = best(3)
        #expect(ledger.apply(first, now: now) == .applied(.confirmed))
        #expect(ledger.apply(best(2), now: now) == .rejected(.soldOut))
        let cancel = BookingCommand(
            commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(60),
            action: .cancel(BookingReference(bookingID: first.commandID, userID: "ann")))
        #expect(ledger.apply(cancel, now: now) == .applied(.cancelled))
        #expect(ledger.apply(best(2), now: now) == .applied(.confirmed))
    }

    @Test func rowsBeyondWhatWasReadLeaveTheRequestUndecided() {
        var ledger = ledger(["x.x.", "...."], coverage: .rowsBefore(1))
        #expect(ledger.apply(best(2), now: now) == .undecided)
        #expect(ledger.eventsShortOfFreeSeats == [event])
        var complete = self.ledger(["x.x.", "...."], coverage: .rowsBefore(1))
        #expect(complete.apply(best(1), now: now) == .applied(.confirmed))
        #expect(complete.eventsShortOfFreeSeats.isEmpty)
    }

    @Test func theSalesWindowIsJudgedAtAcceptance() {
        let opens = now.addingTimeInterval(60)
        let closes = now.addingTimeInterval(120)
        var ledger = ledger(["....."], salesStart: opens, salesEnd: closes)
        #expect(ledger.apply(best(1, acceptedAt: now), now: now) == .rejected(.salesClosed))
        #expect(ledger.apply(best(1, acceptedAt: opens), now: now) == .applied(.confirmed))
        #expect(ledger.apply(best(1, acceptedAt: closes), now: now) == .rejected(.salesClosed))
    }

    /// Over random seat maps and request sequences, the ledger's choices equal a brute-force reading of the
    /// rule, no seat is ever given twice, and every quantity booking has its seats of its category, adjacent
    /// ones side by side in one row.
    @Test(arguments: 1...40) func choicesFollowTheRuleOnRandomMaps(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let rowCount = Int.random(in: 1...5, using: &random)
        var rows: [String] = []
        var categories: [String] = []
        for _ in 0..<rowCount {
            let length = Int.random(in: 1...12, using: &random)
            rows.append(String((0..<length).map { _ in Int.random(in: 0..<3, using: &random) == 0 ? "x" : "." }))
            categories.append(String((0..<length).map { _ in Bool.random(using: &random) ? "v" : "s" }))
        }
        var ledger = ledger(rows, categories: categories)
        var oracle = BestAvailableOracle(rows: rows, categories: categories)
        var owner: [String: UUID] = [:]
        for _ in 0..<25 {
            let quantity = Int.random(in: 1...4, using: &random)
            let category = [nil, "vip", "stalls"].randomElement(using: &random)!
            let adjacent = Int.random(in: 0..<4, using: &random) != 0
            let command = best(quantity, category: category, adjacent: adjacent)
            let expected = oracle.choose(quantity: quantity, category: category, adjacent: adjacent)
            let decision = ledger.apply(command, now: now)
            switch expected {
            case .seats(let chosen):
                #expect(decision == .applied(.confirmed), "seed \(seed)")
                let got = seats(of: command, in: ledger)
                #expect(got == chosen, "seed \(seed): \(rows) \(categories) asked \(quantity) \(category ?? "any")")
                for seat in got {
                    #expect(owner.updateValue(command.commandID, forKey: seat) == nil, "seed \(seed): \(seat) twice")
                }
                #expect(got.count == quantity)
                if let category { #expect(got.allSatisfy { oracle.category(of: $0) == category }) }
                if adjacent { #expect(oracle.sideBySide(got), "seed \(seed): \(got)") }
                oracle.take(got)
            case .soldOut:
                #expect(decision == .rejected(.soldOut), "seed \(seed)")
            case .notEnoughAdjacent:
                #expect(decision == .rejected(.notEnoughAdjacentSeats), "seed \(seed)")
            case .needsMoreSeats:
                Issue.record("the oracle always knows every seat")
            }
        }
    }
}

/// The best-available rule read literally, by trying every placement in seat order on a small map.
struct BestAvailableOracle {
    private var free: [[Bool]]
    private let categories: [[Character]]

    init(rows: [String], categories: [String]) {
        free = rows.map { $0.map { $0 == "." } }
        self.categories = categories.map(Array.init)
    }

    func category(of seatID: String) -> String {
        let (row, number) = Self.parse(seatID)
        return categories[row][number - 1] == "v" ? "vip" : "stalls"
    }

    func sideBySide(_ seatIDs: [String]) -> Bool {
        let places = seatIDs.map(Self.parse)
        return Set(places.map(\.row)).count == 1
            && zip(places, places.dropFirst()).allSatisfy { $1.number == $0.number + 1 }
    }

    mutating func take(_ seatIDs: [String]) {
        for (row, number) in seatIDs.map(Self.parse) { free[row][number - 1] = false }
    }

    func choose(quantity: Int, category: String?, adjacent: Bool) -> FreeSeatIndex.Choice {
        func matches(_ row: Int, _ slot: Int) -> Bool {
            free[row][slot] && (category == nil || (categories[row][slot] == "v" ? "vip" : "stalls") == category)
        }
        func isFree(_ row: Int, _ slot: Int) -> Bool { slot >= 0 && slot < free[row].count && free[row][slot] }
        var firstStranding: [String]?
        for row in free.indices {
            for start in 0..<max(0, free[row].count - quantity + 1) {
                let end = start + quantity - 1
                guard (start...end).allSatisfy({ matches(row, $0) }) else { continue }
                let seats = (start...end).map { "r\(row)-\($0 + 1)" }
                let strandsLeft = isFree(row, start - 1) && !isFree(row, start - 2)
                let strandsRight = isFree(row, end + 1) && !isFree(row, end + 2)
                if !strandsLeft && !strandsRight { return .seats(seats) }
                if firstStranding == nil { firstStranding = seats }
            }
        }
        if let firstStranding { return .seats(firstStranding) }
        let spread = free.indices.flatMap { row in
            free[row].indices.filter { matches(row, $0) }.map { "r\(row)-\($0 + 1)" }
        }
        guard spread.count >= quantity else { return .soldOut }
        return adjacent ? .notEnoughAdjacent : .seats(Array(spread.prefix(quantity)))
    }

    private static func parse(_ seatID: String) -> (row: Int, number: Int) {
        let parts = seatID.dropFirst().split(separator: "-")
        return (Int(parts[0])!, Int(parts[1])!)
    }
}
