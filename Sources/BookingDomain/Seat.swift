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

    /// Creates a seat.
    public init(
        status: SeatStatus, bookingID: UUID? = nil, userID: String? = nil, heldUntil: Date? = nil, version: Int64
    ) {
        self.status = status
        self.bookingID = bookingID
        self.userID = userID
        self.heldUntil = heldUntil
        self.version = version
    }

    /// A seat nobody holds.
    public static func available(version: Int64) -> Seat {
        Seat(status: .available, version: version)
    }
}
