public import Foundation

/// A booking's state as clients see it.
public enum BookingStatus: String, Codable, Sendable {
    /// Accepted and not yet processed; never stored, only answered by write-api.
    case pending = "PENDING"
    /// The seats are the user's.
    case confirmed = "CONFIRMED"
    /// Refused; `reason` says why.
    case rejected = "REJECTED"
    /// The seats are held until `held_until`.
    case held = "HELD"
    /// The hold ran out before it was confirmed.
    case expired = "EXPIRED"
    /// The owner cancelled; the seats are available again.
    case cancelled = "CANCELLED"
}

/// Why a command was refused.
public enum RejectionReason: String, Codable, Sendable {
    /// A seat is held or booked by another booking.
    case seatTaken = "seat_taken"
    /// No such event.
    case unknownEvent = "unknown_event"
    /// No such seat in the event.
    case unknownSeat = "unknown_seat"
    /// The worker reached the command after its deadline.
    case expiredRequest = "expired_request"
    /// A confirm arrived after the hold ran out.
    case holdExpired = "hold_expired"
    /// Someone other than the booking's owner asked to confirm or cancel it.
    case notOwner = "not_owner"
    /// A confirm for a booking that is not held, or a cancel for one that holds no seats.
    case notActive = "not_active"
    /// A confirm or cancel for a booking that does not exist.
    case unknownBooking = "unknown_booking"
    /// An event id that already exists.
    case eventExists = "event_exists"
}

/// A booking as the write model and the booking view hold it.
public struct Booking: Codable, Sendable, Equatable {
    /// The id, which is the id of the command that created it.
    public var bookingID: UUID
    /// The event.
    public var eventID: String
    /// The owner.
    public var userID: String
    /// The seats asked for.
    public var seatIDs: [String]
    /// Where the booking stands.
    public var status: BookingStatus
    /// Why it was refused, expired or cancelled.
    public var reason: String?
    /// The end of a hold.
    public var heldUntil: Date?
    /// When the command was accepted.
    public var createdAt: Date
    /// When the status last changed.
    public var updatedAt: Date

    /// Creates a booking.
    public init(
        bookingID: UUID, eventID: String, userID: String, seatIDs: [String], status: BookingStatus,
        reason: String? = nil, heldUntil: Date? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.bookingID = bookingID
        self.eventID = eventID
        self.userID = userID
        self.seatIDs = seatIDs
        self.status = status
        self.reason = reason
        self.heldUntil = heldUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
