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
    /// Seats in one event. The event travels as one Kafka message of a few megabytes at this size; the
    /// producer and the broker are configured for it.
    public var maxSeatsPerEvent = 100_000
    /// Characters in a user, event or seat id.
    public var maxIdentifierLength = 128
    /// Characters in an event's name or venue.
    public var maxTextLength = 512
    /// Characters in an event's description.
    public var maxDescriptionLength = 4000
    /// Price categories of one event.
    public var maxCategoriesPerEvent = 100

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

    /// `{"eventId","seatId"}`, `{"eventId","seatIds":[...]}` or `{"eventId","quantity","category"?,"adjacent"?}` from
    /// the verified user `userID`; a `userId` in the body (older clients send one) must name that same user.
    public func seatRequest(from body: [UInt8], userID: String) throws(ValidationError) -> SeatRequest {
        try seatRequest(
            Self.jsonObject(
                body, allowed: ["userId", "eventId", "seatId", "seatIds", "quantity", "category", "adjacent"]),
            userID: userID)
    }

    private func seatRequest(_ object: [String: JSONValue], userID: String) throws(ValidationError) -> SeatRequest {
        try checkClaimedUser(object, is: userID)
        let eventID = try identifier(object, "eventId")
        let selectors = ["seatId", "seatIds", "quantity"].filter { object[$0] != nil }
        guard selectors.count == 1 else {
            throw ValidationError(
                code: selectors.isEmpty ? "missing_field" : "invalid_field",
                message: "give exactly one of seatId, seatIds or quantity")
        }
        if selectors != ["quantity"], let extra = ["category", "adjacent"].first(where: { object[$0] != nil }) {
            throw ValidationError(code: "invalid_field", message: "\(extra) goes only with quantity")
        }
        let selection: SeatSelection
        switch selectors[0] {
        case "seatId":
            selection = .seats([try identifier(object, "seatId")])
        case "seatIds":
            selection = .seats(
                try identifiers(object, "seatIds", max: limits.maxSeatsPerRequest, limitCode: "too_many_seats"))
        default:
            let quantity = try wholeNumber(object, "quantity", in: 1...limits.maxSeatsPerRequest)
            let category = object["category"] == nil ? nil : try identifier(object, "category")
            var adjacent = true
            switch object["adjacent"] {
            case nil: break
            case .bool(let value): adjacent = value
            default: throw ValidationError(code: "invalid_field", message: "adjacent must be true or false")
            }
            selection = .bestAvailable(BestAvailable(quantity: quantity, category: category, adjacent: adjacent))
        }
        return SeatRequest(userID: userID, eventID: eventID, selection: selection)
    }

    /// `{"eventId","quantity","category"?}` from the verified user `userID`: a place on the event's waiting list for
    /// that many side-by-side seats.
    public func waitlistRequest(from body: [UInt8], userID: String) throws(ValidationError) -> SeatRequest {
        let object = try Self.jsonObject(body, allowed: ["userId", "eventId", "quantity", "category"])
        guard object["quantity"] != nil else {
            throw ValidationError(code: "missing_field", message: "quantity is required")
        }
        return try seatRequest(object, userID: userID)
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

    /// `{"event_id"?,"name","date","venue"?,"seats":[...]}` or with `"total_seats":N` (seats named 1…N), and
    /// optionally `description`, `thumbnail`, `currency`, `sales_start`, `sales_end` and `categories`. Seats are
    /// ids (one row of the one category) or objects `{"seat_id","section"?,"row","number","category"?}`.
    public func eventDefinition(
        from body: [UInt8], generatedID: () -> String
    ) throws(ValidationError) -> EventDefinition {
        let object = try Self.jsonObject(
            body,
            allowed: [
                "event_id", "name", "date", "venue", "seats", "total_seats", "description", "thumbnail", "currency",
                "sales_start", "sales_end", "categories",
            ])
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
        let description = try text(object, "description", required: false, maxLength: limits.maxDescriptionLength)
        let thumbnail = try self.thumbnail(object)
        var currency = Currency.euro
        if object["currency"] != nil {
            let code = try text(object, "currency", required: true)
            guard let known = Currency(code: code) else {
                throw ValidationError(code: "invalid_field", message: "currency must be an ISO 4217 code such as EUR")
            }
            currency = known
        }
        let salesStart = try instant(object, "sales_start")
        let salesEnd = try instant(object, "sales_end")
        if let salesStart, let salesEnd, salesEnd <= salesStart {
            throw ValidationError(code: "invalid_field", message: "sales_end must be after sales_start")
        }
        let categories = try self.categories(object, currency: currency)
        let seats = try self.seats(object, categories: categories)
        return EventDefinition(
            eventID: eventID, name: name, date: date, venue: venue, description: description, thumbnail: thumbnail,
            currency: currency, salesStart: salesStart, salesEnd: salesEnd, categories: categories, seats: seats)
    }

    /// `[{"category","price"}]` with unique names and prices in the currency; one free `standard` category if absent.
    private func categories(
        _ object: [String: JSONValue], currency: Currency
    ) throws(ValidationError) -> [SeatCategory] {
        guard let value = object["categories"] else { return [.standard] }
        guard case .array(let entries) = value, !entries.isEmpty, entries.count <= limits.maxCategoriesPerEvent else {
            throw ValidationError(
                code: "invalid_field",
                message: "categories must be an array of 1 to \(limits.maxCategoriesPerEvent) objects")
        }
        var categories: [SeatCategory] = []
        var names = Set<String>()
        for entry in entries {
            guard case .object(let fields) = entry else {
                throw ValidationError(code: "invalid_field", message: "every category must be an object")
            }
            if let unknown = fields.keys.filter({ $0 != "category" && $0 != "price" }).sorted().first {
                throw ValidationError(code: "unknown_field", message: "unknown field \(unknown) in a category")
            }
            let name = try identifier(fields, "category")
            guard names.insert(name).inserted else {
                throw ValidationError(code: "invalid_field", message: "category \(name) is listed twice")
            }
            guard case .string(let price) = fields["price"] else {
                throw ValidationError(
                    code: fields["price"] == nil ? "missing_field" : "invalid_field",
                    message: "the price of category \(name) must be a decimal string such as \"12.50\"")
            }
            guard let minor = currency.parse(price) else {
                let message =
                    price.hasPrefix("-")
                    ? "the price of category \(name) must not be negative"
                    : "the price of category \(name) must be a decimal string with at most \(currency.minorDigits) decimals in \(currency)"
                throw ValidationError(code: "invalid_price", message: message)
            }
            categories.append(SeatCategory(name: name, priceMinor: minor))
        }
        return categories
    }

    /// The seats as ids or as placed objects, each with a category of `categories`.
    private func seats(
        _ object: [String: JSONValue], categories: [SeatCategory]
    ) throws(ValidationError) -> [SeatPlacement] {
        let onlyCategory = categories.count == 1 ? categories[0].name : nil
        let seatIDs: [String]
        switch (object["seats"], object["total_seats"]) {
        case (.some, .some):
            throw ValidationError(code: "invalid_field", message: "give either seats or total_seats, not both")
        case (.some(.array(let values)), nil)
        where values.first.map({ if case .object = $0 { true } else { false } }) == true:
            return try placedSeats(values, categories: Set(categories.map(\.name)), onlyCategory: onlyCategory)
        case (.some, nil):
            seatIDs = try identifiers(object, "seats", max: limits.maxSeatsPerEvent, limitCode: "too_many_seats")
        case (nil, .some):
            seatIDs = (1...(try wholeNumber(object, "total_seats", in: 1...limits.maxSeatsPerEvent))).map(String.init)
        case (nil, nil):
            throw ValidationError(code: "missing_field", message: "seats or total_seats is required")
        }
        guard let onlyCategory else {
            throw ValidationError(
                code: "invalid_field",
                message:
                    "seats given as ids or total_seats take the event's one category; give seats as objects to use several"
            )
        }
        return SeatPlacement.oneRow(seatIDs, category: onlyCategory)
    }

    private func placedSeats(
        _ values: [JSONValue], categories: Set<String>, onlyCategory: String?
    ) throws(ValidationError) -> [SeatPlacement] {
        guard values.count <= limits.maxSeatsPerEvent else {
            throw ValidationError(
                code: "too_many_seats", message: "seats may name at most \(limits.maxSeatsPerEvent) seats")
        }
        var placements: [SeatPlacement] = []
        placements.reserveCapacity(values.count)
        var seatIDs = Set<String>()
        var places = Set<String>()
        var finishedRows = Set<[String]>()
        for value in values {
            guard case .object(let fields) = value else {
                throw ValidationError(code: "invalid_field", message: "seats must be all ids or all objects")
            }
            if let unknown = fields.keys.filter({ !Self.seatFields.contains($0) }).sorted().first {
                throw ValidationError(code: "unknown_field", message: "unknown field \(unknown) in a seat")
            }
            let seatID = try identifier(fields, "seat_id")
            let section = fields["section"] == nil ? "" : try identifier(fields, "section")
            let row = try identifier(fields, "row")
            let number = try wholeNumber(fields, "number", in: 0...1_000_000)
            let category: String
            if fields["category"] != nil {
                category = try identifier(fields, "category")
                guard categories.contains(category) else {
                    throw ValidationError(
                        code: "unknown_category",
                        message: "seat \(seatID) names category \(category), which is not in categories")
                }
            } else if let onlyCategory {
                category = onlyCategory
            } else {
                throw ValidationError(code: "missing_field", message: "seat \(seatID) needs a category")
            }
            guard seatIDs.insert(seatID).inserted else {
                throw ValidationError(code: "duplicate_seat", message: "seats name seat \(seatID) twice")
            }
            guard places.insert("\(section)\u{0}\(row)\u{0}\(number)").inserted else {
                throw ValidationError(
                    code: "duplicate_seat", message: "two seats have section \(section), row \(row), number \(number)")
            }
            // Rows are read back in seat order to choose best-available seats, one row after another.
            if let previous = placements.last, previous.section != section || previous.row != row {
                finishedRows.insert([previous.section, previous.row])
                guard !finishedRows.contains([section, row]) else {
                    throw ValidationError(
                        code: "invalid_field",
                        message: "the seats of section \(section), row \(row) must be listed together")
                }
            }
            placements.append(
                SeatPlacement(seatID: seatID, section: section, row: row, number: number, category: category))
        }
        return placements
    }

    private static let seatFields: Set<String> = ["seat_id", "section", "row", "number", "category"]

    private func thumbnail(_ object: [String: JSONValue]) throws(ValidationError) -> String? {
        guard object["thumbnail"] != nil else { return nil }
        let url = try text(object, "thumbnail", required: true, maxLength: 2048)
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()),
            components.host?.isEmpty == false
        else {
            throw ValidationError(code: "invalid_field", message: "thumbnail must be an http or https URL")
        }
        return url
    }

    /// An ISO 8601 date-time with a time zone, or nil when the field is absent.
    private func instant(_ object: [String: JSONValue], _ field: String) throws(ValidationError) -> Date? {
        guard object[field] != nil else { return nil }
        guard let instant = try? Date(try text(object, field, required: true), strategy: .iso8601) else {
            throw ValidationError(
                code: "invalid_field", message: "\(field) must be an ISO 8601 date-time such as 2027-01-01T10:00:00Z")
        }
        return instant
    }

    /// A whole number in `range`; JSON does not tell 3 from 3.0, so neither does the validator.
    private func wholeNumber(
        _ object: [String: JSONValue], _ field: String, in range: ClosedRange<Int>
    ) throws(ValidationError) -> Int {
        let number: Int?
        switch object[field] {
        case nil: throw ValidationError(code: "missing_field", message: "\(field) is required")
        case .integer(let integer): number = integer
        case .number(let value): number = Int(exactly: value)
        default: number = nil
        }
        guard let number, range.contains(number) else {
            throw ValidationError(
                code: "invalid_field",
                message: "\(field) must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
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

    private func text(
        _ object: [String: JSONValue], _ field: String, required: Bool, maxLength: Int? = nil
    ) throws(ValidationError) -> String {
        let maxLength = maxLength ?? limits.maxTextLength
        switch object[field] {
        case nil where !required:
            return ""
        case nil:
            throw ValidationError(code: "missing_field", message: "\(field) is required")
        case .string(let string) where !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !required:
            guard string.count <= maxLength else {
                throw ValidationError(
                    code: "invalid_field", message: "\(field) may have at most \(maxLength) characters")
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
