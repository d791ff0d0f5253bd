public import Foundation
import JSONBytes

/// A command accepted by write-api and carried through Kafka to the worker.
public struct BookingCommand: Decodable, Sendable, Equatable {
    /// Unique per command; for `book` and `hold` it is also the booking id.
    public let commandID: UUID
    /// When write-api accepted the command.
    public let acceptedAt: Date
    /// After this instant the worker rejects the command as `expired_request` instead of applying it.
    public let deadline: Date
    /// What the command asks for.
    public let action: Action

    /// The things a command can ask for.
    public enum Action: Decodable, Sendable, Equatable {
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
public struct SeatRequest: Decodable, Sendable, Equatable {
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
public struct BookingReference: Decodable, Sendable, Equatable {
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

extension BookingCommand {
    /// The wire form: JSON in the shape Swift's synthesized `Codable` gives these types, dates as epoch
    /// milliseconds. Written by hand because write-api encodes one per request, and reflection-driven
    /// encoding cost more than the rest of the request.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 320)
        writer.object { command in
            command.field("commandID", commandID.uuidString)
            command.field("acceptedAt", acceptedAt.timeIntervalSince1970 * 1000)
            command.field("deadline", deadline.timeIntervalSince1970 * 1000)
            command.field("action") { $0.object { action.write(to: &$0) } }
        }
        return writer.bytes
    }

    /// Reads the wire form.
    public init(encoded bytes: [UInt8]) throws {
        self = try DomainJSON.decoder.decode(Self.self, from: Data(bytes))
    }
}

extension BookingCommand.Action {
    /// `{"case": {"_0": payload, other labels...}}`, as the synthesized encoding of an enum with payloads.
    fileprivate func write(to action: inout JSONWriter.ObjectWriter) {
        switch self {
        case .book(let request):
            action.field("book") { $0.object { $0.field("_0") { request.write(to: &$0) } } }
        case .hold(let request, let holdSeconds):
            action.field("hold") {
                $0.object {
                    $0.field("_0") { request.write(to: &$0) }
                    $0.field("holdSeconds", holdSeconds)
                }
            }
        case .confirm(let reference):
            action.field("confirm") { $0.object { $0.field("_0") { reference.write(to: &$0) } } }
        case .cancel(let reference):
            action.field("cancel") { $0.object { $0.field("_0") { reference.write(to: &$0) } } }
        case .createEvent(let definition):
            action.field("createEvent") {
                $0.object {
                    $0.field("_0") { writer in
                        writer.object {
                            $0.field("eventID", definition.eventID)
                            $0.field("name", definition.name)
                            $0.field("date", definition.date)
                            $0.field("venue", definition.venue)
                            $0.field("seatIDs") { $0.array(definition.seatIDs) { $0.string($1) } }
                        }
                    }
                }
            }
        case .expireHolds:
            action.field("expireHolds") { $0.object { _ in } }
        }
    }
}

extension SeatRequest {
    fileprivate func write(to writer: inout JSONWriter) {
        writer.object {
            $0.field("userID", userID)
            $0.field("eventID", eventID)
            $0.field("seatIDs") { $0.array(seatIDs) { $0.string($1) } }
        }
    }
}

extension BookingReference {
    fileprivate func write(to writer: inout JSONWriter) {
        writer.object {
            $0.field("bookingID", bookingID.uuidString)
            $0.field("userID", userID)
        }
    }
}
