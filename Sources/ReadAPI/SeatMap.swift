import BookingDomain
import Foundation
import JSONBytes
import NIOCore
import Postgres
import SeatlineRuntime
import Synchronization

/// One event with its seats in map order, as read from the read DB at one revision, and its JSON rendering.
///
/// Held seats carry `hold_seconds_remaining`, so a map with held seats renders anew each second; the last
/// rendering is kept for every request of the same second.
final class SeatMap: Sendable {
    struct Seat: Sendable {
        let seatID: String
        let status: String
        /// ISO 8601, for held seats only.
        let heldUntil: String?
        let heldUntilMilliseconds: Int64?
        let section: String
        let row: String
        let number: Int
        /// Index into `categories`.
        let category: Int
    }

    struct Category: Sendable {
        let name: String
        /// Formatted once per map, not once per seat.
        let price: String
        let total: Int
        let available: Int
        /// Waiting requests for this category, or for any.
        let waiting: Int
    }

    let eventID: String
    let event: EventDetails
    let categories: [Category]
    let totalSeats: Int
    let availableSeats: Int
    let heldSeats: Int
    let bookedSeats: Int
    /// The view's revision: a new one for every projection that touched the event.
    let revision: Int64
    let seats: [Seat]
    private let hasHeldSeats: Bool
    private let lastRendering = Mutex<(second: Int64?, view: RenderedView)?>(nil)

    private init(row: PostgresRow, eventID: String, categories: [Category], seats: [Seat]) throws {
        self.eventID = eventID
        event = try EventDetails(row: row, from: 0)
        totalSeats = try row.decode(Int.self, at: EventDetails.columnCount)
        availableSeats = try row.decode(Int.self, at: EventDetails.columnCount + 1)
        heldSeats = try row.decode(Int.self, at: EventDetails.columnCount + 2)
        bookedSeats = try row.decode(Int.self, at: EventDetails.columnCount + 3)
        revision = try row.decode(Int64.self, at: EventDetails.columnCount + 4)
        self.categories = categories
        self.seats = seats
        hasHeldSeats = seats.contains { $0.heldUntilMilliseconds != nil }
    }

    /// The event's current map, or nil when the read DB has no such event. Both statements read one snapshot, so
    /// the counts always agree with the seats; the event's own columns are read once, not repeated on each of up to
    /// 100,000 seat rows, where they held most of a large map's memory while it loaded.
    static func load(eventID: String, from views: PostgresClient) async throws -> SeatMap? {
        try await views.withTransaction(isolation: .repeatableRead) { connection in
            let event = try await connection.query(
                """
                SELECT \(sql: EventDetails.columns), total_seats, available_seats, held_seats, booked_seats, revision
                FROM event_view WHERE event_id = \(eventID)
                """)
            guard let first = event.rows.first else { return nil }
            let currency = try EventDetails.currency(of: first, from: 0)
            let categoryRows = try await connection.query(
                """
                SELECT category, price_minor, total_seats, available_seats FROM category_view
                WHERE event_id = \(eventID) ORDER BY position
                """)
            let waitingRows = try await connection.query(
                """
                SELECT category, count(*) FROM booking_view WHERE event_id = \(eventID) AND status = 'WAITING'
                GROUP BY category
                """)
            var waiting: [String?: Int] = [:]
            for row in waitingRows {
                waiting[try row.decodeIfPresent(String.self, at: 0)] = try row.decode(Int.self, at: 1)
            }
            var categories: [Category] = []
            var categoryIndex: [String: Int] = [:]
            for row in categoryRows {
                let name = try row.decode(String.self, at: 0)
                categoryIndex[name] = categories.count
                categories.append(
                    Category(
                        name: name, price: currency.format(try row.decode(Int64.self, at: 1)),
                        total: try row.decode(Int.self, at: 2), available: try row.decode(Int.self, at: 3),
                        waiting: (waiting[name] ?? 0) + (waiting[nil] ?? 0)))
            }
            let result = try await connection.query(
                """
                SELECT seat_id, status, iso8601_utc(held_until), (extract(epoch FROM held_until) * 1000)::bigint,
                    section, "row", number, category
                FROM seat_view WHERE event_id = \(eventID) AND position IS NOT NULL
                ORDER BY position
                """)
            var seats: [Seat] = []
            seats.reserveCapacity(result.rows.count)
            for row in result.rows {
                let status = try row.decode(String.self, at: 1)
                let held = status == "held"
                seats.append(
                    Seat(
                        seatID: try row.decode(String.self, at: 0), status: status,
                        heldUntil: held ? try row.decodeIfPresent(String.self, at: 2) : nil,
                        heldUntilMilliseconds: held ? try row.decodeIfPresent(Int64.self, at: 3) : nil,
                        section: try row.decode(String.self, at: 4), row: try row.decode(String.self, at: 5),
                        number: try row.decode(Int.self, at: 6),
                        category: categoryIndex[try row.decode(String.self, at: 7)] ?? 0))
            }
            return try SeatMap(row: first, eventID: eventID, categories: categories, seats: seats)
        }
    }

    /// The JSON of the map at `now`, with its entity tag.
    func view(at now: Date) -> RenderedView {
        let second: Int64? = hasHeldSeats ? Int64(now.timeIntervalSince1970.rounded(.down)) : nil
        if let last = lastRendering.withLock({ $0 }), last.second == second { return last.view }
        let view = render(atSecond: second)
        lastRendering.withLock { $0 = (second, view) }
        return view
    }

    private func render(atSecond second: Int64?) -> RenderedView {
        let nowMilliseconds = (second ?? 0) * 1000
        var writer = JSONWriter(capacity: 1024 + seats.count * 128)
        writer.object { fields in
            fields.field("event_id", eventID)
            event.write(to: &fields)
            fields.field("total_seats", totalSeats)
            fields.field("available_seats", availableSeats)
            fields.field("held_seats", heldSeats)
            fields.field("booked_seats", bookedSeats)
            fields.field("categories") { array in
                array.array(categories) { element, category in
                    element.object {
                        $0.field("category", category.name)
                        $0.field("price", category.price)
                        $0.field("total", category.total)
                        $0.field("available", category.available)
                        $0.field("waiting", category.waiting)
                    }
                }
            }
            fields.field("seats") { array in
                array.array(seats) { element, seat in
                    element.object { seatFields in
                        seatFields.field("seat_id", seat.seatID)
                        seatFields.field("status", seat.status)
                        // Public and the same for every reader (so the gateway may cache it): never who holds a seat.
                        seatFields.field("user_id", nil)
                        seatFields.field("section", seat.section)
                        seatFields.field("row", seat.row)
                        seatFields.field("number", seat.number)
                        let category = categories.indices.contains(seat.category) ? categories[seat.category] : nil
                        seatFields.field("category", category?.name)
                        seatFields.field("price", category?.price)
                        if let heldUntil = seat.heldUntil, let milliseconds = seat.heldUntilMilliseconds {
                            seatFields.field("held_until", heldUntil)
                            let remaining = milliseconds - nowMilliseconds
                            let seconds = remaining > 0 ? Int((remaining + 999) / 1000) : 0
                            seatFields.field("hold_seconds_remaining", seconds)
                        }
                    }
                }
            }
        }
        let etag = second.map { "\"\(revision)-\($0)\"" } ?? "\"\(revision)\""
        return RenderedView(body: ByteBuffer(bytes: writer.bytes), etag: etag)
    }
}

/// An event's descriptive columns in `event_view`, shared by the listing and the seat map, and their JSON.
struct EventDetails: Sendable {
    /// The columns, in the order `init(row:from:)` reads them.
    static let columns: StaticString = """
        name, date, venue, description, thumbnail, currency, min_price_minor, max_price_minor, iso8601_utc(sales_start),
        iso8601_utc(sales_end)
        """
    static let columnCount = 10

    let name: String
    let date: String
    let venue: String
    let description: String
    let thumbnail: String?
    let currency: Currency
    let minPrice: String
    let maxPrice: String
    let salesStart: String?
    let salesEnd: String?

    init(row: PostgresRow, from first: Int) throws {
        name = try row.decode(String.self, at: first)
        date = try row.decode(String.self, at: first + 1)
        venue = try row.decode(String.self, at: first + 2)
        description = try row.decode(String.self, at: first + 3)
        thumbnail = try row.decodeIfPresent(String.self, at: first + 4)
        currency = try Self.currency(of: row, from: first)
        minPrice = currency.format(try row.decode(Int64.self, at: first + 6))
        maxPrice = currency.format(try row.decode(Int64.self, at: first + 7))
        salesStart = try row.decodeIfPresent(String.self, at: first + 8)
        salesEnd = try row.decodeIfPresent(String.self, at: first + 9)
    }

    /// The event's currency; the write side accepts only ISO 4217 codes, so another one is a corrupt view.
    static func currency(of row: PostgresRow, from first: Int) throws -> Currency {
        let code = try row.decode(String.self, at: first + 5)
        guard let currency = Currency(code: code) else { throw UnknownCurrency(code: code) }
        return currency
    }

    func write(to fields: inout JSONWriter.ObjectWriter) {
        fields.field("name", name)
        fields.field("date", date)
        fields.field("venue", venue)
        fields.field("description", description)
        fields.field("thumbnail", thumbnail)
        fields.field("currency", currency.code)
        fields.field("min_price", minPrice)
        fields.field("max_price", maxPrice)
        fields.field("sales_start", salesStart)
        fields.field("sales_end", salesEnd)
    }
}

/// A view row whose currency code is not ISO 4217.
struct UnknownCurrency: Error, CustomStringConvertible {
    let code: String
    var description: String { "unknown currency \(code) in the read views" }
}
