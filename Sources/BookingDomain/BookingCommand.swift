public import Foundation

/// A command accepted by write-api and carried through Kafka to the worker.
public struct BookingCommand: Sendable, Equatable {
    /// Unique per command; for `book` and `hold` it is also the booking id.
    public let commandID: UUID
    /// When write-api accepted the command.
    public let acceptedAt: Date
    /// After this instant the worker rejects the command as `expired_request` instead of applying it.
    public let deadline: Date
    /// What the command asks for.
    public let action: Action

    /// The things a command can ask for.
    public enum Action: Sendable, Equatable {
        /// Book seats now, all or nothing.
        case book(SeatRequest)
        /// Hold seats until `SeatRequest` time plus `holdSeconds`, all or nothing.
        case hold(SeatRequest, holdSeconds: Int)
        /// Turn a hold into a booking.
        case confirm(BookingReference)
        /// Cancel a hold or a booking; its seats become available.
        case cancel(BookingReference)
        /// Create an event with its seats.
        case createEvent(EventDefinition)
        /// Expire every hold past its `held_until`.
        case expireHolds
    }

    /// Creates a command.
    public init(commandID: UUID, acceptedAt: Date, deadline: Date, action: Action) {
        self.commandID = commandID
        self.acceptedAt = acceptedAt
        self.deadline = deadline
        self.action = action
    }

    /// The Kafka message key. Every command of one event shares a key, so Kafka keeps them in one
    /// partition in arrival order: that order is the first-come-first-served order per seat.
    /// Confirm and cancel only name a booking, so they are keyed by it; they compete for no free seat.
    public var partitionKey: String {
        switch action {
        case .book(let request), .hold(let request, _): "event:\(request.eventID)"
        case .createEvent(let definition): "event:\(definition.eventID)"
        case .confirm(let reference), .cancel(let reference): "booking:\(reference.bookingID.uuidString)"
        case .expireHolds: "expiry"
        }
    }
}

/// Seats one user asks for in one event.
public struct SeatRequest: Sendable, Equatable {
    /// The user asking.
    public let userID: String
    /// The event the seats belong to.
    public let eventID: String
    /// The seats, without duplicates, in the order asked.
    public let seatIDs: [String]

    /// Creates a request.
    public init(userID: String, eventID: String, seatIDs: [String]) {
        self.userID = userID
        self.eventID = eventID
        self.seatIDs = seatIDs
    }
}

/// A user acting on an existing booking.
public struct BookingReference: Sendable, Equatable {
    /// The booking acted on.
    public let bookingID: UUID
    /// The user acting; only the booking's owner may.
    public let userID: String

    /// Creates a reference.
    public init(bookingID: UUID, userID: String) {
        self.bookingID = bookingID
        self.userID = userID
    }
}

/// An event and its seats, as an administrator defines it.
public struct EventDefinition: Codable, Sendable, Equatable {
    /// The event id.
    public let eventID: String
    /// The show's name.
    public let name: String
    /// When the show is, as given (ISO 8601).
    public let date: String
    /// Where the show is.
    public let venue: String
    /// The seats in seat-map order.
    public let seatIDs: [String]

    /// Creates a definition.
    public init(eventID: String, name: String, date: String, venue: String, seatIDs: [String]) {
        self.eventID = eventID
        self.name = name
        self.date = date
        self.venue = venue
        self.seatIDs = seatIDs
    }
}
