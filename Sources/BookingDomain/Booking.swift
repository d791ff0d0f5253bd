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
    /// On the waiting list until enough seats are freed and offered as a hold.
    case waiting = "WAITING"
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
    /// Fewer seats of the category are free than the request asks for.
    case soldOut = "sold_out"
    /// Enough seats are free, but no row has that many side by side.
    case notEnoughAdjacentSeats = "not_enough_adjacent_seats"
    /// A best-available request for a category the event does not have.
    case unknownCategory = "unknown_category"
    /// The command was accepted before the event's sales opened or after they closed.
    case salesClosed = "sales_closed"
    /// Free seats of the category are kept for the people on its waiting list.
    case reservedForWaitlist = "reserved_for_waitlist"
    /// A request to wait while enough seats are free to book now.
    case seatsAvailable = "seats_available"
    /// A request to wait from a user already waiting for that category of the event.
    case alreadyWaiting = "already_waiting"
    /// An extension past the longest a hold may last; the hold is unchanged.
    case holdExtensionLimit = "hold_extension_limit"
}

/// A booking as the write model and the booking view hold it.
public struct Booking: Codable, Sendable, Equatable {
    /// The id, which is the id of the command that created it.
    public var bookingID: UUID
    /// The event.
    public var eventID: String
    /// The owner.
    public var userID: String
    /// The seats asked for, or for a best-available request the seats chosen (none until chosen).
    public var seatIDs: [String]
    /// How many seats were asked for.
    public var quantity: Int
    /// The category a best-available request was limited to.
    public var category: String?
    /// The sum of the seats' prices in minor units of `currency`.
    public var totalPriceMinor: Int64
    /// The event's currency; nil when the event is unknown.
    public var currency: String?
    /// Where the booking stands.
    public var status: BookingStatus
    /// Why it was refused, expired or cancelled.
    public var reason: String?
    /// The end of a hold.
    public var heldUntil: Date?
    /// When the hold began (its seats taken, or offered from the waiting list): extensions are bounded from here.
    public var heldSince: Date?
    /// For a waiting request, how long the hold it is offered lasts.
    public var offerSeconds: Int?
    /// For a waiting request, its place in the event's waiting list: lower joined first.
    public var waitlistPosition: Int64?
    /// When the command was accepted.
    public var createdAt: Date
    /// When the status last changed.
    public var updatedAt: Date

    /// Creates a booking.
    public init(
        bookingID: UUID, eventID: String, userID: String, seatIDs: [String], quantity: Int? = nil,
        category: String? = nil, totalPriceMinor: Int64 = 0, currency: String? = nil, status: BookingStatus,
        reason: String? = nil, heldUntil: Date? = nil, heldSince: Date? = nil, offerSeconds: Int? = nil,
        waitlistPosition: Int64? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.bookingID = bookingID
        self.eventID = eventID
        self.userID = userID
        self.seatIDs = seatIDs
        self.quantity = quantity ?? seatIDs.count
        self.category = category
        self.totalPriceMinor = totalPriceMinor
        self.currency = currency
        self.status = status
        self.reason = reason
        self.heldUntil = heldUntil
        self.heldSince = heldSince
        self.offerSeconds = offerSeconds
        self.waitlistPosition = waitlistPosition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case bookingID, eventID, userID, seatIDs, quantity, category, totalPriceMinor, currency, status, reason
        case heldUntil, heldSince, offerSeconds, waitlistPosition, createdAt, updatedAt
    }

    /// Reads a journal payload; entries written before prices existed have no quantity, price or currency.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let seatIDs = try container.decode([String].self, forKey: .seatIDs)
        self.init(
            bookingID: try container.decode(UUID.self, forKey: .bookingID),
            eventID: try container.decode(String.self, forKey: .eventID),
            userID: try container.decode(String.self, forKey: .userID), seatIDs: seatIDs,
            quantity: try container.decodeIfPresent(Int.self, forKey: .quantity),
            category: try container.decodeIfPresent(String.self, forKey: .category),
            totalPriceMinor: try container.decodeIfPresent(Int64.self, forKey: .totalPriceMinor) ?? 0,
            currency: try container.decodeIfPresent(String.self, forKey: .currency),
            status: try container.decode(BookingStatus.self, forKey: .status),
            reason: try container.decodeIfPresent(String.self, forKey: .reason),
            heldUntil: try container.decodeIfPresent(Date.self, forKey: .heldUntil),
            heldSince: try container.decodeIfPresent(Date.self, forKey: .heldSince),
            offerSeconds: try container.decodeIfPresent(Int.self, forKey: .offerSeconds),
            waitlistPosition: try container.decodeIfPresent(Int64.self, forKey: .waitlistPosition),
            createdAt: try container.decode(Date.self, forKey: .createdAt),
            updatedAt: try container.decode(Date.self, forKey: .updatedAt))
    }
}
