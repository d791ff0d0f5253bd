/// Which of an event's free seats a batch read.
public enum FreeSeatCoverage: Sendable, Equatable {
    /// Every one.
    case allRows
    /// Those of the rows before this row index, in seat order: the read reached its limit inside that row.
    case rowsBefore(Int)
}

/// The seats of one event the ledger knows, row by row in seat order and by number within a row, with
/// which are free: what a best-available request is decided on.
///
/// Built once per batch and event, then kept current by the ledger on every seat change, so thousands of
/// quantity requests in one batch cost a walk over the rows each (rows without enough free seats are
/// passed over by their count), not a walk over every seat.
struct FreeSeatIndex {
    /// One row's known seats in number order.
    private struct Row {
        let rowIndex: Int
        var seatIDs: [String] = []
        var numbers: [Int] = []
        var categories: [String] = []
        var free: [Bool] = []
        var freeCount = 0

        /// Whether the seats at slots `a` and `a + 1` sit side by side.
        func adjacent(_ a: Int) -> Bool { numbers[a + 1] == numbers[a] + 1 }
    }

    /// What a request gets.
    enum Choice: Equatable {
        /// These seats.
        case seats([String])
        /// Fewer free seats of the category than asked for.
        case soldOut
        /// Enough free seats, none of the rows has them together.
        case notEnoughAdjacent
        /// The rows read so far do not settle it; more of the event's free seats must be read.
        case needsMoreSeats
    }

    private var rows: [Row]
    private var slots: [String: (row: Int, slot: Int)] = [:]
    private let coverage: FreeSeatCoverage
    /// No row before this one has a free seat: the walk starts here.
    private var firstRowWithFreeSeat = 0

    /// The index of `seats` (each with its place and whether it is free); `coverage` says which rows are complete.
    init(seats: [(seatID: String, place: SeatPlace, isFree: Bool)], coverage: FreeSeatCoverage) {
        self.coverage = coverage
        let ordered = seats.sorted { ($0.place.rowIndex, $0.place.number) < ($1.place.rowIndex, $1.place.number) }
        rows = []
        for seat in ordered {
            if rows.last?.rowIndex != seat.place.rowIndex { rows.append(Row(rowIndex: seat.place.rowIndex)) }
            let row = rows.count - 1
            slots[seat.seatID] = (row, rows[row].numbers.count)
            rows[row].seatIDs.append(seat.seatID)
            rows[row].numbers.append(seat.place.number)
            rows[row].categories.append(seat.place.category)
            rows[row].free.append(seat.isFree)
            if seat.isFree { rows[row].freeCount += 1 }
        }
    }

    /// Records that a seat became free or taken.
    mutating func setFree(_ seatID: String, _ isFree: Bool) {
        guard let (row, slot) = slots[seatID], rows[row].free[slot] != isFree else { return }
        rows[row].free[slot] = isFree
        rows[row].freeCount += isFree ? 1 : -1
        if isFree {
            firstRowWithFreeSeat = min(firstRowWithFreeSeat, row)
        } else {
            while firstRowWithFreeSeat < rows.count && rows[firstRowWithFreeSeat].freeCount == 0 {
                firstRowWithFreeSeat += 1
            }
        }
    }

    /// The best `quantity` free seats of `category` (any when nil): side by side in one row, the first in seat
    /// order that strands no single free seat; failing that, the first side by side at all; and with
    /// `adjacent` false, failing both, the first free seats in seat order. Seats of the `excluded` categories are
    /// passed over as if taken.
    func choose(quantity: Int, category: String?, adjacent: Bool, excluding excluded: Set<String> = []) -> Choice {
        var fallback: [String]?
        for row in rows[firstRowWithFreeSeat...] {
            if case .rowsBefore(let bound) = coverage, row.rowIndex >= bound { return .needsMoreSeats }
            guard row.freeCount >= quantity else { continue }
            var runStart = 0
            for slot in row.numbers.indices {
                guard Self.matches(row, slot, category, excluded) else {
                    runStart = slot + 1
                    continue
                }
                if slot > runStart && !row.adjacent(slot - 1) { runStart = slot }
                guard slot - runStart + 1 >= quantity else { continue }
                // The placement ending at `slot`; runs are walked left to right, so the first that strands
                // nobody is the first in seat order.
                let start = slot - quantity + 1
                if !strands(row, start: start, end: slot) { return .seats(Array(row.seatIDs[start...slot])) }
                if fallback == nil { fallback = Array(row.seatIDs[start...slot]) }
            }
        }
        if case .rowsBefore = coverage { return .needsMoreSeats }
        if let fallback { return .seats(fallback) }
        var spread: [String] = []
        for row in rows[firstRowWithFreeSeat...] where spread.count < quantity {
            for slot in row.numbers.indices where spread.count < quantity && Self.matches(row, slot, category, excluded)
            {
                spread.append(row.seatIDs[slot])
            }
        }
        guard spread.count == quantity else { return .soldOut }
        return adjacent ? .notEnoughAdjacent : .seats(spread)
    }

    private static func matches(_ row: Row, _ slot: Int, _ category: String?, _ excluded: Set<String>) -> Bool {
        row.free[slot] && (category == nil || row.categories[slot] == category)
            && (excluded.isEmpty || !excluded.contains(row.categories[slot]))
    }

    /// Whether taking slots `start...end` of `row` would leave a free seat beside them with no free neighbour.
    private func strands(_ row: Row, start: Int, end: Int) -> Bool {
        let left = start - 1
        let right = end + 1
        let strandsLeft =
            left >= 0 && row.adjacent(left) && row.free[left]
            && !(left > 0 && row.adjacent(left - 1) && row.free[left - 1])
        let strandsRight =
            right < row.numbers.count && row.adjacent(end) && row.free[right]
            && !(right + 1 < row.numbers.count && row.adjacent(right) && row.free[right + 1])
        return strandsLeft || strandsRight
    }
}
