public import Foundation

/// Where a seat stands.
public enum SeatStatus: String, Codable, Sendable {
    /// Free to hold or book.
    case available
    /// Held by a booking until `heldUntil`.
    case held
    /// Booked.
    case booked
}

/// A seat of an event, addressed by both ids.
public struct SeatKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The event.
    public let eventID: String
    /// The seat within the event.
    public let seatID: String

    /// Creates a key.
    public init(eventID: String, seatID: String) {
        self.eventID = eventID
        self.seatID = seatID
    }

    /// The order in which locks on several seats are taken, so two workers never wait on each other in a cycle.
    public static func < (lhs: SeatKey, rhs: SeatKey) -> Bool {
        (lhs.eventID, lhs.seatID) < (rhs.eventID, rhs.seatID)
    }

    /// `event/seat`.
    public var description: String { "\(eventID)/\(seatID)" }
}

/// A seat's state in the write model.
public struct Seat: Sendable, Equatable {
    /// Where the seat stands.
    public var status: SeatStatus
    /// The booking holding or owning it.
    public var bookingID: UUID?
    /// That booking's owner.
    public var userID: String?
    /// The end of a hold.
    public var heldUntil: Date?
    /// The fence: bumped by every write, and every write names the version it read.
    public var version: Int64
    /// Where it sits and what it costs, fixed when the event was created.
    public let place: SeatPlace

    /// Creates a seat.
    public init(
        status: SeatStatus, bookingID: UUID? = nil, userID: String? = nil, heldUntil: Date? = nil, version: Int64,
        place: SeatPlace
    ) {
        self.status = status
        self.bookingID = bookingID
        self.userID = userID
        self.heldUntil = heldUntil
        self.version = version
        self.place = place
    }

    /// A seat nobody holds.
    public static func available(version: Int64, place: SeatPlace) -> Seat {
        Seat(status: .available, version: version, place: place)
    }

    /// Makes the seat available, keeping its version for the fence.
    public mutating func free() {
        self = .available(version: version, place: place)
    }
}

/// A seat's row and number, and its category: what choosing and pricing seats needs.
public struct SeatPlace: Sendable, Equatable {
    /// Index of its row in seat order, from 0: rows are listed one after the other.
    public let rowIndex: Int
    /// Its number in the row; consecutive numbers sit side by side.
    public let number: Int
    /// Its price category.
    public let category: String

    /// Creates a place.
    public init(rowIndex: Int, number: Int, category: String) {
        self.rowIndex = rowIndex
        self.number = number
        self.category = category
    }

    /// The places of an event's seats, in seat order: a new row starts wherever section or row changes.
    public static func places(of seats: [SeatPlacement]) -> [SeatPlace] {
        var places: [SeatPlace] = []
        places.reserveCapacity(seats.count)
        var rowIndex = -1
        for (position, seat) in seats.enumerated() {
            if position == 0 || seats[position - 1].section != seat.section || seats[position - 1].row != seat.row {
                rowIndex += 1
            }
            places.append(SeatPlace(rowIndex: rowIndex, number: seat.number, category: seat.category))
        }
        return places
    }
}
