import BookingDomain
import Foundation
import Logging
import Postgres
import SeatlineTestSupport
import Sync
import Testing

/// Categories, prices, placed seats, sales windows and best-available requests through the gateway.
@Suite struct CatalogFlowTests {
    let gateway = Gateway()
    let logger = Logger(label: "seatline.catalog-tests")

    /// Seat objects `S<section>-<row>-<number>`, section by section and row by row.
    static func seats(sections: Int, rows: Int, perRow: Int, category: (_ section: Int, _ row: Int) -> String) -> String
    {
        var seats: [String] = []
        seats.reserveCapacity(sections * rows * perRow)
        for section in 0..<sections {
            for row in 1...rows {
                for number in 1...perRow {
                    seats.append(
                        #"{"seat_id":"S\#(section)-\#(row)-\#(number)","section":"S\#(section)","row":"\#(row)","number":\#(number),"category":"\#(category(section, row))"}"#
                    )
                }
            }
        }
        return "[" + seats.joined(separator: ",") + "]"
    }

    /// Creates an event from the JSON fields `fields` and waits until its seat map is shown.
    func createEvent(_ fields: String) async throws -> String {
        let id = "catalog-\(UUID().uuidString.prefix(8).lowercased())"
        let reply = try await gateway.admin(
            "/api/admin/events",
            body: #"{"event_id":"\#(id)","name":"Catalog","date":"2027-06-01T20:00:00Z",\#(fields)}"#)
        #expect(reply.status == .accepted, "\(String(decoding: reply.body, as: UTF8.self))")
        _ = try await eventually("event \(id) shown", within: 120) {
            try await gateway.send(.GET, "/api/events/\(id)").status == .ok ? true : nil
        }
        return id
    }

    func bestAvailable(_ user: String, _ event: String, quantity: Int, category: String?) async throws -> String {
        let categoryField = category.map { #","category":"\#($0)""# } ?? ""
        let reply = try await gateway.command(
            user, "/api/book", body: #"{"eventId":"\#(event)","quantity":\#(quantity)\#(categoryField)}"#)
        #expect(reply.status == .accepted, "\(String(decoding: reply.body, as: UTF8.self))")
        return try #require(try reply.json()["bookingId"] as? String)
    }

    /// 2,000 requests for 2 to 4 seats against 1,000 seats in two categories: nobody gets a seat twice, the read
    /// side equals the write state, every total is its seats' prices, side-by-side seats of the category asked,
    /// first come first served, and a rebuild of the views from the journal gives the same views.
    @Test func aFlashSaleOfQuantityRequests() async throws {
        let event = try await createEvent(
            #""categories":[{"category":"front","price":"50.00"},{"category":"back","price":"20.50"}],"seats":\#(Self.seats(sections: 2, rows: 10, perRow: 50) { _, row in row <= 4 ? "front" : "back" })"#
        )
        var random = SystemRandomNumberGenerator()
        let requests = (0..<2_000).map { _ in
            (quantity: Int.random(in: 2...4, using: &random), category: ["front", "back", nil].randomElement()!)
        }
        let ids = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var ids: [(Int, String)] = []
                    for index in stride(from: worker, to: requests.count, by: 16) {
                        let request = requests[index]
                        ids.append(
                            (
                                index,
                                try await bestAvailable(
                                    "fan-\(index)", event, quantity: request.quantity, category: request.category)
                            ))
                    }
                    return ids
                }
            }
            return try await group.reduce(into: [Int: String]()) { all, some in
                for (index, id) in some { all[index] = id }
            }
        }
        let report = try await ContractVerification.check(bookingIDs: Array(ids.values), events: [event])
        #expect(report.lost == 0)
        #expect(report.doubles == 0)
        #expect(report.problems.isEmpty, "\(report.problems)")

        let map = try await gateway.seatMap(event)
        var places: [String: (row: String, number: Int, category: String, price: String)] = [:]
        for seat in try #require(map["seats"] as? [[String: Any]]) {
            places[seat["seat_id"] as! String] = (
                "\(seat["section"]!)/\(seat["row"]!)", seat["number"] as! Int, seat["category"] as! String,
                seat["price"] as! String
            )
        }
        let write = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: logger)
        defer { Task { await write.close() } }
        // Decision order is the journal's order of the event's stream, which is Kafka's order of its partition.
        let decided = try await write.query(
            """
            SELECT payload->>'bookingID', stream_version FROM journal
            WHERE stream_id = \(event) AND entry_type IN ('SeatBooked', 'BookingRejected')
            """)
        var order: [String: Int64] = [:]
        for row in decided {
            order[try row.decode(String.self, at: 0).lowercased()] = try row.decode(Int64.self, at: 1)
        }

        var outcomes: [(version: Int64, quantity: Int, category: String?, served: Bool)] = []
        var soldSeats = 0
        for (index, id) in ids {
            let booking = try await gateway.booking(id)
            let request = requests[index]
            let seatIDs = try #require(booking["seat_ids"] as? [String])
            let status = try #require(booking["status"] as? String)
            #expect(booking["quantity"] as? Int == request.quantity)
            #expect(booking["currency"] as? String == "EUR")
            if status == "CONFIRMED" {
                soldSeats += seatIDs.count
                let seats = seatIDs.compactMap { places[$0] }
                #expect(seats.count == request.quantity)
                #expect(Set(seats.map(\.row)).count == 1, "\(seatIDs) in one row")
                #expect(
                    zip(seats, seats.dropFirst()).allSatisfy { $1.number == $0.number + 1 }, "\(seatIDs) side by side")
                if let category = request.category { #expect(seats.allSatisfy { $0.category == category }) }
                let total = seats.map { Currency.euro.parse($0.price)! }.reduce(0, +)
                #expect(booking["total_price"] as? String == Currency.euro.format(total))
            } else {
                #expect(["sold_out", "not_enough_adjacent_seats"].contains(booking["reason"] as? String))
                #expect(seatIDs.isEmpty)
            }
            outcomes.append((try #require(order[id]), request.quantity, request.category, status == "CONFIRMED"))
        }
        #expect(soldSeats > 900, "a sale of 2,000 requests for 1,000 seats sells nearly all of them")
        // Nothing was freed during the sale, so a refused request could not have been served later either: no later
        // request of its category (or of any one, for a request without) for as many seats or more got seats.
        for refused in outcomes where !refused.served {
            let overtaken = outcomes.first { later in
                later.served && later.version > refused.version && later.quantity >= refused.quantity
                    && (refused.category == nil || later.category == refused.category)
            }
            #expect(
                overtaken == nil,
                "a request for \(refused.quantity) \(refused.category ?? "any") was refused, then served later")
        }
        try await expectRebuildGivesTheSameViews(of: event)
    }

    /// What `seatline sync --rebuild` does, into a scratch read model: the whole journal projected anew gives the
    /// event the views the live projection gave it.
    func expectRebuildGivesTheSameViews(of event: String) async throws {
        let views = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.readDatabaseURL), logger: logger)
        let journal = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: logger)
        defer {
            Task {
                await views.close()
                await journal.close()
            }
        }
        let live = try await Self.snapshot(of: event, in: views)
        try await LocalStack.withScratchReadModel(logger: logger) { rebuilt in
            try await Projector(journal: journal, views: rebuilt, batchSize: 5_000, logger: logger).rebuild()
            let again = try await Self.snapshot(of: event, in: rebuilt)
            #expect(again.count == live.count)
            for (table, rows) in live { #expect(again[table] == rows, "\(table) rebuilt differs") }
        }
    }

    private static func snapshot(of event: String, in views: PostgresClient) async throws -> [String: [[String?]]] {
        let queries: [String: PostgresQuery] = [
            "event_view": """
            SELECT event_id, name, date, venue, description, thumbnail, currency, min_price_minor::text,
                max_price_minor::text, sales_start::text, sales_end::text, total_seats::text, available_seats::text,
                held_seats::text, booked_seats::text, version::text, created_at::text
            FROM event_view WHERE event_id = \(event)
            """,
            "category_view": """
            SELECT category, price_minor::text, position::text, total_seats::text, available_seats::text
            FROM category_view WHERE event_id = \(event) ORDER BY position
            """,
            "seat_view": """
            SELECT seat_id, position::text, section, "row", number::text, category, status, booking_id::text,
                user_id, held_until::text, version::text
            FROM seat_view WHERE event_id = \(event) ORDER BY position
            """,
            "booking_view": """
            SELECT booking_id::text, user_id, seat_ids::text, status, reason, quantity::text,
                total_price_minor::text, currency, created_at::text, updated_at::text, version::text
            FROM booking_view WHERE event_id = \(event) ORDER BY booking_id
            """,
        ]
        var snapshot: [String: [[String?]]] = [:]
        for (table, query) in queries {
            snapshot[table] = try await views.query(query).map { row in
                (0..<row.count).map { row[$0] }
            }
        }
        return snapshot
    }

    @Test func theSalesWindowOpensAndClosesOnTime() async throws {
        // Far enough ahead that the event exists before sales open, even while a 100,000-seat event is created.
        let opens = Date().addingTimeInterval(15)
        let closes = opens.addingTimeInterval(5)
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let event = try await createEvent(
            #""sales_start":"\#(opens.formatted(format))","sales_end":"\#(closes.formatted(format))","total_seats":10"#)
        let listing = try await gateway.send(.GET, "/api/events").jsonArray().first {
            $0["event_id"] as? String == event
        }
        #expect(listing?["sales_start"] as? String != nil)

        try #require(Date() < opens.addingTimeInterval(-1), "the event took too long to appear to try before the sale")
        let early = try await bestAvailable("early", event, quantity: 1, category: nil)
        #expect(try await gateway.booking(early)["reason"] as? String == "sales_closed")
        try await Task.sleep(for: .seconds(opens.timeIntervalSinceNow + 0.5))
        let onTime = try await bestAvailable("on-time", event, quantity: 2, category: nil)
        let served = try await gateway.booking(onTime)
        #expect(served["status"] as? String == "CONFIRMED")
        #expect(served["seat_ids"] as? [String] == ["1", "2"])
        try await Task.sleep(for: .seconds(closes.timeIntervalSinceNow + 0.5))
        let late = try await bestAvailable("late", event, quantity: 1, category: nil)
        #expect(try await gateway.booking(late)["reason"] as? String == "sales_closed")
        let seat = try await gateway.command("late", "/api/holds", body: #"{"eventId":"\#(event)","seatId":"5"}"#)
        let held = try await gateway.booking(try #require(try seat.json()["bookingId"] as? String))
        #expect(held["reason"] as? String == "sales_closed")
    }
}
