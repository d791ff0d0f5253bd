import Foundation
public import JSONBytes

/// A request refused before anything was enqueued: a 4xx with a human message and a machine code.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Whether the request is malformed or well-formed but not the sender's to make.
    public enum Kind: Sendable {
        /// Malformed: 400.
        case invalid
        /// Asks to act for someone else: 403.
        case forbidden
    }

    /// The machine-readable code, e.g. `missing_field`.
    public let code: String
    /// What is wrong, for a person.
    public let message: String
    /// Malformed or not permitted.
    public let kind: Kind

    /// Creates an error.
    public init(code: String, message: String, kind: Kind = .invalid) {
        self.code = code
        self.message = message
        self.kind = kind
    }

    /// The message.
    public var description: String { message }
}

/// Limits on what a request may ask for.
public struct RequestLimits: Sendable {
    /// Seats in one booking or hold.
    public var maxSeatsPerRequest = 10
    /// Seats in one event. The event travels as one Kafka message, and 100,000 seat ids stay well
    /// inside the broker's default 1 MB message limit.
    public var maxSeatsPerEvent = 100_000
    /// Characters in a user, event or seat id.
    public var maxIdentifierLength = 128
    /// Characters in an event's name or venue.
    public var maxTextLength = 512

    /// The defaults.
    public init() {}
}

/// Turns request bodies into commands' contents, refusing every malformed one with a precise error.
/// Unknown fields are refused too, so a misspelled `seatIDs` never silently books nothing.
public struct RequestValidator: Sendable {
    /// The limits applied.
    public let limits: RequestLimits

    /// Creates a validator.
    public init(limits: RequestLimits = RequestLimits()) {
        self.limits = limits
    }

    /// `{"eventId","seatId"}` or `{"eventId","seatIds":[...]}` from the verified user `userID`; a `userId` in the
    /// body (older clients send one) must name that same user.
    public func seatRequest(from body: [UInt8], userID: String) throws(ValidationError) -> SeatRequest {
        let object = try Self.jsonObject(body, allowed: ["userId", "eventId", "seatId", "seatIds"])
        try checkClaimedUser(object, is: userID)
        let eventID = try identifier(object, "eventId")
        let seatIDs: [String]
        switch (object["seatId"], object["seatIds"]) {
        case (.some, .some):
            throw ValidationError(code: "invalid_field", message: "give either seatId or seatIds, not both")
        case (.some, nil):
            seatIDs = [try identifier(object, "seatId")]
        case (nil, .some):
            seatIDs = try identifiers(object, "seatIds", max: limits.maxSeatsPerRequest, limitCode: "too_many_seats")
        case (nil, nil):
            throw ValidationError(code: "missing_field", message: "seatId or seatIds is required")
        }
        return SeatRequest(userID: userID, eventID: eventID, seatIDs: seatIDs)
    }

    /// A confirm or cancel by the verified user `userID` of the booking named in the path; the body is empty
    /// or `{"userId"}` naming that same user.
    public func bookingReference(
        bookingID: String, from body: [UInt8], userID: String
    ) throws(ValidationError) -> BookingReference {
        guard let id = UUID(uuidString: bookingID) else {
            throw ValidationError(code: "invalid_booking_id", message: "the booking id in the path is not a booking id")
        }
        if !body.isEmpty { try checkClaimedUser(try Self.jsonObject(body, allowed: ["userId"]), is: userID) }
        return BookingReference(bookingID: id, userID: userID)
    }

    private func checkClaimedUser(_ object: [String: JSONValue], is userID: String) throws(ValidationError) {
        guard object["userId"] != nil else { return }
        guard try identifier(object, "userId") == userID else {
            throw ValidationError(
                code: "user_mismatch", message: "userId must be the user the access token names", kind: .forbidden)
        }
    }

    /// `{"event_id"?,"name","date","venue"?,"seats":[...]}` or with `"total_seats":N` (seats named 1…N).
    public func eventDefinition(
        from body: [UInt8], generatedID: () -> String
    ) throws(ValidationError) -> EventDefinition {
        let object = try Self.jsonObject(body, allowed: ["event_id", "name", "date", "venue", "seats", "total_seats"])
        let eventID = object["event_id"] == nil ? generatedID() : try identifier(object, "event_id")
        // The id is a path segment of the event's URLs, which the gateway matches after decoding them.
        guard !eventID.contains("/"), eventID != ".", eventID != ".." else {
            throw ValidationError(code: "invalid_field", message: "event_id must not contain / or be . or ..")
        }
        let name = try text(object, "name", required: true)
        let venue = try text(object, "venue", required: false)
        let date = try text(object, "date", required: true)
        guard Self.isISO8601(date) else {
            throw ValidationError(code: "invalid_field", message: "date must be an ISO 8601 date or date-time")
        }
        let seatIDs: [String]
        switch (object["seats"], object["total_seats"]) {
        case (.some, .some):
            throw ValidationError(code: "invalid_field", message: "give either seats or total_seats, not both")
        case (.some, nil):
            seatIDs = try identifiers(object, "seats", max: limits.maxSeatsPerEvent, limitCode: "too_many_seats")
        case (nil, .some(let value)):
            // JSON does not tell 3 from 3.0, so neither does the validator.
            let count: Int?
            switch value {
            case .integer(let integer): count = integer
            case .number(let number): count = Int(exactly: number)
            default: count = nil
            }
            guard let count else {
                throw ValidationError(code: "invalid_field", message: "total_seats must be a whole number")
            }
            guard (1...limits.maxSeatsPerEvent).contains(count) else {
                throw ValidationError(
                    code: "invalid_field", message: "total_seats must be between 1 and \(limits.maxSeatsPerEvent)")
            }
            seatIDs = (1...count).map(String.init)
        case (nil, nil):
            throw ValidationError(code: "missing_field", message: "seats or total_seats is required")
        }
        return EventDefinition(eventID: eventID, name: name, date: date, venue: venue, seatIDs: seatIDs)
    }

    /// The body as a JSON object with no field outside `allowed`: every JSON body of the API is read this way.
    public static func jsonObject(_ body: [UInt8], allowed: Set<String>) throws(ValidationError) -> [String: JSONValue]
    {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            throw ValidationError(code: "invalid_json", message: "the body is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw ValidationError(code: "invalid_json", message: "the body must be a JSON object")
        }
        if let unknown = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw ValidationError(code: "unknown_field", message: "unknown field \(unknown)")
        }
        return object
    }

    private func identifier(_ object: [String: JSONValue], _ field: String) throws(ValidationError) -> String {
        guard let value = object[field] else {
            throw ValidationError(code: "missing_field", message: "\(field) is required")
        }
        return try identifier(value, named: field)
    }

    private func identifier(_ value: JSONValue, named field: String) throws(ValidationError) -> String {
        guard case .string(let string) = value else {
            throw ValidationError(code: "invalid_field", message: "\(field) must be a string")
        }
        // Ids are nearly always printable ASCII, where bytes are characters and none is a control character.
        let isPrintableASCII = string.utf8.allSatisfy { (0x20..<0x7F).contains($0) }
        let length = isPrintableASCII ? string.utf8.count : string.count
        guard !string.isEmpty, length <= limits.maxIdentifierLength,
            isPrintableASCII || !string.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ValidationError(
                code: "invalid_field",
                message: "\(field) must be 1 to \(limits.maxIdentifierLength) characters without control characters")
        }
        return string
    }

    private func identifiers(
        _ object: [String: JSONValue], _ field: String, max: Int, limitCode: String
    ) throws(ValidationError) -> [String] {
        guard case .array(let values) = object[field] else {
            throw ValidationError(code: "invalid_field", message: "\(field) must be an array of strings")
        }
        guard !values.isEmpty else {
            throw ValidationError(code: "invalid_field", message: "\(field) must not be empty")
        }
        guard values.count <= max else {
            throw ValidationError(code: limitCode, message: "\(field) may name at most \(max) seats")
        }
        var seen = Set<String>()
        var result: [String] = []
        result.reserveCapacity(values.count)
        for value in values {
            let id = try identifier(value, named: "every entry of \(field)")
            guard seen.insert(id).inserted else {
                throw ValidationError(code: "duplicate_seat", message: "\(field) names seat \(id) twice")
            }
            result.append(id)
        }
        return result
    }

    private func text(_ object: [String: JSONValue], _ field: String, required: Bool) throws(ValidationError) -> String
    {
        switch object[field] {
        case nil where !required:
            return ""
        case nil:
            throw ValidationError(code: "missing_field", message: "\(field) is required")
        case .string(let string) where !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !required:
            guard string.count <= limits.maxTextLength else {
                throw ValidationError(
                    code: "invalid_field", message: "\(field) may have at most \(limits.maxTextLength) characters")
            }
            // PostgreSQL text cannot hold a NUL: a command carrying one would fail in the worker at every retry.
            guard !string.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ValidationError(code: "invalid_field", message: "\(field) must not contain control characters")
            }
            return string
        case .string:
            throw ValidationError(code: "invalid_field", message: "\(field) must not be empty")
        default:
            throw ValidationError(code: "invalid_field", message: "\(field) must be a string")
        }
    }

    /// `2026-12-01` or a full ISO 8601 date-time such as `2026-12-01T20:00:00Z`.
    static func isISO8601(_ string: String) -> Bool {
        if (try? Date(string, strategy: .iso8601)) != nil { return true }
        let dateOnly = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        return (try? Date(string, strategy: dateOnly)) != nil
    }
}
