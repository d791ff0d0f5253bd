public import Foundation
import JSONBytes

/// One fact appended to the journal, the event store the read side is projected from.
/// Every entry belongs to the stream of one event id.
public enum JournalEntry: Sendable, Equatable {
    /// An event and its seats were created.
    case eventCreated(EventDefinition, createdAt: Date)
    /// The booking's seats became booked (a direct booking, or a confirmed hold).
    case seatBooked(Booking)
    /// The booking's seats became held until its `heldUntil`.
    case seatHeld(Booking)
    /// The booking's seats became available again (cancelled or expired).
    case seatReleased(Booking)
    /// The booking was refused; no seat changed.
    case bookingRejected(Booking)
    /// The request joined the event's waiting list; no seat changed.
    case waitlistJoined(Booking)

    /// The stream the entry belongs to.
    public var streamID: String {
        switch self {
        case .eventCreated(let definition, _): definition.eventID
        case .seatBooked(let booking), .seatHeld(let booking), .seatReleased(let booking),
            .bookingRejected(let booking), .waitlistJoined(let booking):
            booking.eventID
        }
    }

    /// The entry type as stored in `journal.entry_type`.
    public var typeName: String {
        switch self {
        case .eventCreated: "EventCreated"
        case .seatBooked: "SeatBooked"
        case .seatHeld: "SeatHeld"
        case .seatReleased: "SeatReleased"
        case .bookingRejected: "BookingRejected"
        case .waitlistJoined: "WaitlistJoined"
        }
    }

    /// The booking the entry carries, for every type but `EventCreated`.
    public var booking: Booking? {
        switch self {
        case .eventCreated: nil
        case .seatBooked(let booking), .seatHeld(let booking), .seatReleased(let booking),
            .bookingRejected(let booking), .waitlistJoined(let booking):
            booking
        }
    }

    /// The JSON stored in `journal.payload`.
    public func encodedPayload() throws -> String {
        let data: Data
        switch self {
        case .eventCreated(let definition, let createdAt):
            // The seat list in the commands' compact form: JSONEncoder took seconds over 100,000 seat objects.
            var writer = JSONWriter(capacity: 256 + definition.seats.count * 32)
            writer.object {
                $0.field("event") { definition.write(to: &$0) }
                $0.field("createdAt", createdAt.timeIntervalSince1970 * 1000)
            }
            return String(decoding: writer.bytes, as: UTF8.self)
        case .seatBooked(let booking), .seatHeld(let booking), .seatReleased(let booking),
            .bookingRejected(let booking), .waitlistJoined(let booking):
            data = try DomainJSON.encoder.encode(booking)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads an entry back from its stored type name and payload.
    public init(typeName: String, payload: String) throws {
        let data = Data(payload.utf8)
        let decoder = DomainJSON.decoder
        switch typeName {
        case "EventCreated":
            let payload = try WireObject(try JSONValue(parsing: Array(payload.utf8)), path: "EventCreated")
            self = .eventCreated(
                try EventDefinition(wire: try payload.object("event")), createdAt: try payload.date("createdAt"))
        case "SeatBooked": self = .seatBooked(try decoder.decode(Booking.self, from: data))
        case "SeatHeld": self = .seatHeld(try decoder.decode(Booking.self, from: data))
        case "SeatReleased": self = .seatReleased(try decoder.decode(Booking.self, from: data))
        case "BookingRejected": self = .bookingRejected(try decoder.decode(Booking.self, from: data))
        case "WaitlistJoined": self = .waitlistJoined(try decoder.decode(Booking.self, from: data))
        default: throw JournalDecodingError(typeName: typeName)
        }
    }
}

/// A journal entry of a type this build does not know.
public struct JournalDecodingError: Error, CustomStringConvertible {
    /// The unknown type name.
    public let typeName: String
    /// Names the type.
    public var description: String { "unknown journal entry type \(typeName)" }
}
