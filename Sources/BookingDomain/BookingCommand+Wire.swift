import Foundation
import JSONBytes

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

    /// Reads the wire form; unknown fields are ignored, so a newer writer's additions do not stop an older reader.
    public init(encoded bytes: [UInt8]) throws(WireFormatError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw WireFormatError("not JSON: \(error)")
        }
        let command = try WireObject(value, path: "command")
        self.init(
            commandID: try command.uuid("commandID"), acceptedAt: try command.date("acceptedAt"),
            deadline: try command.date("deadline"), action: try Action(wire: try command.object("action")))
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
        case .wait(let request, let holdSeconds):
            action.field("wait") {
                $0.object {
                    $0.field("_0") { request.write(to: &$0) }
                    $0.field("holdSeconds", holdSeconds)
                }
            }
        case .extend(let reference, let holdSeconds, let maxHoldSeconds):
            action.field("extend") {
                $0.object {
                    $0.field("_0") { reference.write(to: &$0) }
                    $0.field("holdSeconds", holdSeconds)
                    $0.field("maxHoldSeconds", maxHoldSeconds)
                }
            }
        case .confirm(let reference):
            action.field("confirm") { $0.object { $0.field("_0") { reference.write(to: &$0) } } }
        case .cancel(let reference):
            action.field("cancel") { $0.object { $0.field("_0") { reference.write(to: &$0) } } }
        case .createEvent(let definition):
            action.field("createEvent") { $0.object { $0.field("_0") { definition.write(to: &$0) } } }
        case .expireHolds:
            action.field("expireHolds") { $0.object { _ in } }
        }
    }
}

extension SeatRequest {
    /// Named seats as `seatIDs`; a best-available request as `quantity`, `category` and `adjacent`.
    fileprivate func write(to writer: inout JSONWriter) {
        writer.object {
            $0.field("userID", userID)
            $0.field("eventID", eventID)
            switch selection {
            case .seats(let seatIDs):
                $0.field("seatIDs") { $0.array(seatIDs) { $0.string($1) } }
            case .bestAvailable(let best):
                $0.field("quantity", best.quantity)
                if let category = best.category { $0.field("category", category) }
                $0.field("adjacent", best.adjacent)
            }
        }
    }
}

extension EventDefinition {
    /// The seats travel as parallel arrays, a category as its index: an event of 100,000 seats is then a few
    /// megabytes rather than ten, which the producer and broker are configured to carry. The journal's
    /// `EventCreated` entries use the same form.
    func write(to writer: inout JSONWriter) {
        let categoryIndex = Dictionary(
            categories.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        writer.object {
            $0.field("eventID", eventID)
            $0.field("name", name)
            $0.field("date", date)
            $0.field("venue", venue)
            $0.field("description", description)
            if let thumbnail { $0.field("thumbnail", thumbnail) }
            $0.field("currency", currency.code)
            if let salesStart { $0.field("salesStart", salesStart.timeIntervalSince1970 * 1000) }
            if let salesEnd { $0.field("salesEnd", salesEnd.timeIntervalSince1970 * 1000) }
            $0.field("categories") {
                $0.array(categories) { element, category in
                    element.object {
                        $0.field("name", category.name)
                        $0.field("priceMinor", Int(category.priceMinor))
                    }
                }
            }
            $0.field("seatIDs") { $0.array(seats) { $0.string($1.seatID) } }
            $0.field("sections") { $0.array(seats) { $0.string($1.section) } }
            $0.field("rows") { $0.array(seats) { $0.string($1.row) } }
            $0.field("numbers") { $0.array(seats) { $0.integer($1.number) } }
            $0.field("seatCategories") { $0.array(seats) { $0.integer(categoryIndex[$1.category] ?? 0) } }
        }
    }

    /// Reads the form `write(to:)` writes. Journal entries from before categories existed have only ids: they
    /// read as one row of the `standard` category in euros.
    init(wire definition: WireObject) throws(WireFormatError) {
        let seatIDs = try definition.strings("seatIDs")
        guard definition.fields["categories"] != nil else {
            self.init(
                eventID: try definition.string("eventID"), name: try definition.string("name"),
                date: try definition.string("date"), venue: try definition.string("venue"), seatIDs: seatIDs)
            return
        }
        let currencyCode = try definition.string("currency")
        guard let currency = Currency(code: currencyCode) else {
            throw WireFormatError("\(definition.path).currency \(currencyCode) is not an ISO 4217 currency")
        }
        var categories: [SeatCategory] = []
        for category in try definition.objects("categories") {
            categories.append(
                SeatCategory(name: try category.string("name"), priceMinor: Int64(try category.int("priceMinor"))))
        }
        let sections = try definition.strings("sections")
        let rows = try definition.strings("rows")
        let numbers = try definition.ints("numbers")
        let seatCategories = try definition.ints("seatCategories")
        guard [sections.count, rows.count, numbers.count, seatCategories.count].allSatisfy({ $0 == seatIDs.count }),
            seatCategories.allSatisfy({ categories.indices.contains($0) })
        else { throw WireFormatError("\(definition.path) has seat arrays that do not match") }
        var seats: [SeatPlacement] = []
        seats.reserveCapacity(seatIDs.count)
        for index in seatIDs.indices {
            seats.append(
                SeatPlacement(
                    seatID: seatIDs[index], section: sections[index], row: rows[index], number: numbers[index],
                    category: categories[seatCategories[index]].name))
        }
        self.init(
            eventID: try definition.string("eventID"), name: try definition.string("name"),
            date: try definition.string("date"), venue: try definition.string("venue"),
            description: try definition.string("description"), thumbnail: try definition.optionalString("thumbnail"),
            currency: currency, salesStart: try definition.optionalDate("salesStart"),
            salesEnd: try definition.optionalDate("salesEnd"), categories: categories, seats: seats)
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

extension BookingCommand.Action {
    fileprivate init(wire action: WireObject) throws(WireFormatError) {
        guard action.fields.count == 1, let (name, _) = action.fields.first else {
            throw WireFormatError("action must have exactly one case")
        }
        let payload = try action.object(name)
        switch name {
        case "book": self = .book(try SeatRequest(wire: try payload.object("_0")))
        case "hold":
            self = .hold(try SeatRequest(wire: try payload.object("_0")), holdSeconds: try payload.int("holdSeconds"))
        case "wait":
            self = .wait(try SeatRequest(wire: try payload.object("_0")), holdSeconds: try payload.int("holdSeconds"))
        case "extend":
            self = .extend(
                try BookingReference(wire: try payload.object("_0")), holdSeconds: try payload.int("holdSeconds"),
                maxHoldSeconds: try payload.int("maxHoldSeconds"))
        case "confirm": self = .confirm(try BookingReference(wire: try payload.object("_0")))
        case "cancel": self = .cancel(try BookingReference(wire: try payload.object("_0")))
        case "createEvent": self = .createEvent(try EventDefinition(wire: try payload.object("_0")))
        case "expireHolds": self = .expireHolds
        default: throw WireFormatError("unknown action \(name)")
        }
    }
}

extension SeatRequest {
    fileprivate init(wire request: WireObject) throws(WireFormatError) {
        let selection: SeatSelection =
            if request.fields["seatIDs"] != nil {
                .seats(try request.strings("seatIDs"))
            } else {
                .bestAvailable(
                    BestAvailable(
                        quantity: try request.int("quantity"), category: try request.optionalString("category"),
                        adjacent: try request.bool("adjacent")))
            }
        self.init(userID: try request.string("userID"), eventID: try request.string("eventID"), selection: selection)
    }
}

extension BookingReference {
    fileprivate init(wire reference: WireObject) throws(WireFormatError) {
        self.init(bookingID: try reference.uuid("bookingID"), userID: try reference.string("userID"))
    }
}

/// A message that is not a command in the wire form.
public struct WireFormatError: Error, CustomStringConvertible {
    /// What is wrong, naming the field.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Typed reads of one JSON object of the wire form, each error naming the field's path.
struct WireObject {
    let fields: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(WireFormatError) {
        guard case .object(let fields) = value else { throw WireFormatError("\(path) must be an object") }
        self.fields = fields
        self.path = path
    }

    func object(_ name: String) throws(WireFormatError) -> WireObject {
        try WireObject(try field(name), path: "\(path).\(name)")
    }

    func string(_ name: String) throws(WireFormatError) -> String {
        guard case .string(let string) = try field(name) else { throw mistyped(name, "a string") }
        return string
    }

    func strings(_ name: String) throws(WireFormatError) -> [String] {
        try array(name, of: "strings") { if case .string(let string) = $0 { string } else { nil } }
    }

    func optionalString(_ name: String) throws(WireFormatError) -> String? {
        fields[name] == nil ? nil : try string(name)
    }

    func objects(_ name: String) throws(WireFormatError) -> [WireObject] {
        guard case .array(let elements) = try field(name) else { throw mistyped(name, "an array of objects") }
        var objects: [WireObject] = []
        for (index, element) in elements.enumerated() {
            objects.append(try WireObject(element, path: "\(path).\(name)[\(index)]"))
        }
        return objects
    }

    func ints(_ name: String) throws(WireFormatError) -> [Int] {
        try array(name, of: "whole numbers") { if case .integer(let integer) = $0 { integer } else { nil } }
    }

    /// An array whose every element `element` reads; `kind` names them in the error.
    private func array<Element>(
        _ name: String, of kind: String, _ element: (JSONValue) -> Element?
    ) throws(WireFormatError) -> [Element] {
        guard case .array(let values) = try field(name) else { throw mistyped(name, "an array of \(kind)") }
        var elements: [Element] = []
        elements.reserveCapacity(values.count)
        for value in values {
            guard let read = element(value) else { throw mistyped(name, "an array of \(kind)") }
            elements.append(read)
        }
        return elements
    }

    func bool(_ name: String) throws(WireFormatError) -> Bool {
        guard case .bool(let bool) = try field(name) else { throw mistyped(name, "true or false") }
        return bool
    }

    func optionalDate(_ name: String) throws(WireFormatError) -> Date? {
        fields[name] == nil ? nil : try date(name)
    }

    func int(_ name: String) throws(WireFormatError) -> Int {
        guard case .integer(let integer) = try field(name) else { throw mistyped(name, "a whole number") }
        return integer
    }

    func uuid(_ name: String) throws(WireFormatError) -> UUID {
        guard let uuid = UUID(uuidString: try string(name)) else { throw mistyped(name, "a UUID") }
        return uuid
    }

    /// Epoch milliseconds.
    func date(_ name: String) throws(WireFormatError) -> Date {
        switch try field(name) {
        case .integer(let milliseconds): Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        case .number(let milliseconds): Date(timeIntervalSince1970: milliseconds / 1000)
        default: throw mistyped(name, "epoch milliseconds")
        }
    }

    private func field(_ name: String) throws(WireFormatError) -> JSONValue {
        guard let value = fields[name] else { throw WireFormatError("\(path).\(name) is missing") }
        return value
    }

    private func mistyped(_ name: String, _ expected: String) -> WireFormatError {
        WireFormatError("\(path).\(name) must be \(expected)")
    }
}
