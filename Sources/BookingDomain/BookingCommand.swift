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
        /// Cancel a hold or a booking, whose seats become available, or leave the waiting list.
        case cancel(BookingReference)
        /// Wait for best-available seats of a sold-out event: when enough are freed they are offered as a
        /// hold of `holdSeconds`, to the waiting requests in the order they joined.
        case wait(SeatRequest, holdSeconds: Int)
        /// Move a hold's end on by `holdSeconds`, but never past `maxHoldSeconds` after the hold began.
        case extend(BookingReference, holdSeconds: Int, maxHoldSeconds: Int)
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
        case .book(let request), .hold(let request, _), .wait(let request, _): "event:\(request.eventID)"
        case .createEvent(let definition): "event:\(definition.eventID)"
        case .confirm(let reference), .cancel(let reference), .extend(let reference, _, _):
            "booking:\(reference.bookingID.uuidString)"
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
    /// Which seats: named ones, or a number the worker chooses.
    public let selection: SeatSelection

    /// Creates a request.
    public init(userID: String, eventID: String, selection: SeatSelection) {
        self.userID = userID
        self.eventID = eventID
        self.selection = selection
    }

    /// A request for the named seats.
    public init(userID: String, eventID: String, seatIDs: [String]) {
        self.init(userID: userID, eventID: eventID, selection: .seats(seatIDs))
    }

    /// The seats named in the request; none when the worker chooses them.
    public var namedSeatIDs: [String] {
        switch selection {
        case .seats(let seatIDs): seatIDs
        case .bestAvailable: []
        }
    }
}

/// How a request picks its seats.
public enum SeatSelection: Sendable, Equatable {
    /// These seats, without duplicates, in the order asked; all or nothing.
    case seats([String])
    /// The best free seats the worker finds when it decides the request.
    case bestAvailable(BestAvailable)
}

/// "Give me N seats": the worker picks them in seat order when it decides the request.
public struct BestAvailable: Sendable, Equatable {
    /// How many seats.
    public let quantity: Int
    /// Only seats of this category; any category when nil.
    public let category: String?
    /// Whether the seats must be side by side in one row; when false and no row has them together, the first
    /// free seats in seat order do.
    public let adjacent: Bool

    /// Creates a request for `quantity` seats.
    public init(quantity: Int, category: String? = nil, adjacent: Bool = true) {
        self.quantity = quantity
        self.category = category
        self.adjacent = adjacent
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
public struct EventDefinition: Sendable, Equatable {
    /// The event id.
    public let eventID: String
    /// The show's name.
    public let name: String
    /// When the show is, as given (ISO 8601).
    public let date: String
    /// Where the show is.
    public let venue: String
    /// What the show is, for a listing.
    public let description: String
    /// The URL of a picture for a listing.
    public let thumbnail: String?
    /// The currency of every price.
    public let currency: Currency
    /// Before this instant nothing can be booked or held; nil when sales open at creation.
    public let salesStart: Date?
    /// From this instant nothing can be booked or held; nil when sales never close.
    public let salesEnd: Date?
    /// The price categories, in the order given.
    public let categories: [SeatCategory]
    /// The seats in seat-map order; the seats of one row are listed together.
    public let seats: [SeatPlacement]

    /// Creates a definition.
    public init(
        eventID: String, name: String, date: String, venue: String, description: String = "",
        thumbnail: String? = nil, currency: Currency = .euro, salesStart: Date? = nil, salesEnd: Date? = nil,
        categories: [SeatCategory], seats: [SeatPlacement]
    ) {
        self.eventID = eventID
        self.name = name
        self.date = date
        self.venue = venue
        self.description = description
        self.thumbnail = thumbnail
        self.currency = currency
        self.salesStart = salesStart
        self.salesEnd = salesEnd
        self.categories = categories
        self.seats = seats
    }

    /// An event of bare seat ids: one row numbered in the order given, all of one free category.
    public init(eventID: String, name: String, date: String, venue: String, seatIDs: [String]) {
        self.init(
            eventID: eventID, name: name, date: date, venue: venue, categories: [.standard],
            seats: SeatPlacement.oneRow(seatIDs))
    }

    /// The seat ids in seat-map order.
    public var seatIDs: [String] { seats.map(\.seatID) }
}

/// A price category of an event's seats.
public struct SeatCategory: Codable, Sendable, Equatable {
    /// Its name, e.g. `stalls`.
    public let name: String
    /// The price of one seat, in minor units of the event's currency.
    public let priceMinor: Int64

    /// Creates a category.
    public init(name: String, priceMinor: Int64) {
        self.name = name
        self.priceMinor = priceMinor
    }

    /// The one category of an event that names none: free seats.
    public static let standard = SeatCategory(name: "standard", priceMinor: 0)
}

/// Where a seat is and what it costs.
public struct SeatPlacement: Codable, Sendable, Equatable {
    /// The seat id, unique in the event.
    public let seatID: String
    /// The section, or empty for an event without sections.
    public let section: String
    /// The row within the section.
    public let row: String
    /// The seat's number in its row; seats with consecutive numbers sit side by side.
    public let number: Int
    /// The seat's price category.
    public let category: String

    /// Creates a placement.
    public init(seatID: String, section: String, row: String, number: Int, category: String) {
        self.seatID = seatID
        self.section = section
        self.row = row
        self.number = number
        self.category = category
    }

    /// Bare seat ids as one row of one category, numbered 1, 2, ... in the order given.
    public static func oneRow(_ seatIDs: [String], category: String = SeatCategory.standard.name) -> [SeatPlacement] {
        seatIDs.enumerated().map { index, seatID in
            SeatPlacement(seatID: seatID, section: "", row: "", number: index + 1, category: category)
        }
    }
}
