import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import ReadAPI
import SeatlineRuntime
import Testing

@Suite("read-api routes against the local stack's read DB")
struct ReadRoutesTests {
    typealias Environment = ReadAPITestEnvironment

    /// Two events (the later one with an available, a held and a booked seat, stored out of map order) and
    /// the held seat's booking.
    struct Fixture {
        let gala = "gala-\(UUID().uuidString.lowercased())"
        let matinee = "matinee-\(UUID().uuidString.lowercased())"
        let booking = UUID()
        let heldUntil = Date().addingTimeInterval(120)

        func insert(into views: PostgresClient) async throws {
            _ = try await views.query(
                """
                INSERT INTO event_view (
                    event_id, name, date, venue, total_seats, available_seats, held_seats, booked_seats, version,
                    revision, created_at)
                VALUES
                    (\(gala), 'Gala "Night"', '2026-12-01T20:00:00Z', 'Hall', 4, 2, 1, 1, 3, nextval('view_revision'),
                        now()),
                    (\(matinee), 'Matinee', '2026-11-30T15:00:00Z', '', 1, 1, 0, 0, 1, nextval('view_revision'), now())
                """)
            _ = try await views.query(
                """
                INSERT INTO seat_view (
                    event_id, seat_id, position, section, "row", number, category, status, booking_id, user_id,
                    held_until, version)
                VALUES
                    (\(gala), 'A3', 2, 'A', '1', 3, 'stalls', 'booked', gen_random_uuid(), 'ben', NULL, 3),
                    (\(gala), 'A1', 0, 'A', '1', 1, 'box', 'available', NULL, NULL, NULL, 1),
                    (\(gala), 'A4', 3, 'A', '1', 4, 'stalls', 'available', NULL, NULL, NULL, 1),
                    (\(gala), 'A2', 1, 'A', '1', 2, 'box', 'held', \(booking), 'ana', \(heldUntil), 2),
                    (\(matinee), 'M1', 0, '', '', 1, 'standard', 'available', NULL, NULL, NULL, 1)
                """)
            _ = try await views.query(
                """
                INSERT INTO category_view (event_id, category, price_minor, position, total_seats, available_seats)
                VALUES (\(gala), 'box', 12000, 0, 2, 1), (\(gala), 'stalls', 3550, 1, 2, 1),
                    (\(matinee), 'standard', 0, 0, 1, 1)
                """)
            _ = try await views.query(
                """
                INSERT INTO booking_view (
                    booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at,
                    version, quantity, total_price_minor, currency)
                VALUES (\(booking), \(gala), 'ana', '{A2}', 'HELD', NULL, \(heldUntil), now(), now(), 2, 1, 12000, 'EUR')
                """)
        }
    }

    private func withRouter(
        _ test: @escaping @Sendable (any TestClientProtocol, Fixture) async throws -> Void
    ) async throws {
        try await Environment.withScratchViews { views in
            let fixture = Fixture()
            try await fixture.insert(into: views)
            let feed = SeatChangeFeed(views: views, logger: Environment.logger)
            let app = Application(
                router: buildReadRouter(
                    views: views, feed: feed, authenticator: await Environment.authenticator(),
                    logger: Environment.logger))
            try await app.test(.router) { client in try await test(client, fixture) }
        }
    }

    private static func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
    }

    private static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try json(response) as? [String: Any])
    }

    @Test("unknown events, bookings and paths answer 404 with a JSON error")
    func notFound() async throws {
        try await withRouter { client, _ in
            for uri in [
                "/api/events/no-such-event", "/api/events/no-such-event/stream", "/api/nothing/here",
                "/api/events/a%00b",
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "application/json")
                    let body = try Self.object(response)
                    #expect(body["code"] as? String == "not_found")
                    #expect(body["error"] is String)
                }
            }
            let reader = try await Environment.bearer("ana")
            try await client.execute(uri: "/api/bookings/\(UUID().uuidString)", method: .get, headers: reader) {
                response in
                #expect(response.status == .notFound)
                #expect(response.headers[.retryAfter] == "1")
                let body = try Self.object(response)
                #expect(body["code"] as? String == "not_found")
            }
            try await client.execute(uri: "/api/bookings/not-a-uuid", method: .get, headers: reader) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.retryAfter] == nil)
                let body = try Self.object(response)
                #expect(body["code"] as? String == "not_found")
            }
        }
    }

    static let eventFields: Set<String> = [
        "event_id", "name", "date", "venue", "description", "thumbnail", "currency", "min_price", "max_price",
        "sales_start", "sales_end",
    ]
    static let seatFields: Set<String> = [
        "seat_id", "status", "user_id", "section", "row", "number", "category", "price",
    ]

    @Test("events, a seat map and a booking have exactly the contract's fields")
    func shapes() async throws {
        try await withRouter { client, fixture in
            try await client.execute(uri: "/api/events", method: .get) { response in
                #expect(response.status == .ok)
                let events = try #require(try Self.json(response) as? [[String: Any]])
                let ours = events.filter { [fixture.gala, fixture.matinee].contains($0["event_id"] as? String) }
                #expect(ours.map { $0["event_id"] as? String } == [fixture.matinee, fixture.gala])
                for event in ours {
                    #expect(Set(event.keys) == Self.eventFields.union(["total_seats", "available_seats"]))
                }
                #expect(ours.last?["min_price"] as? String == "0.00")
                #expect(ours.last?["currency"] as? String == "EUR")
                #expect(ours.last?["thumbnail"] is NSNull)
                #expect(ours.last?["sales_start"] is NSNull)
                #expect(ours.last?["name"] as? String == #"Gala "Night""#)
                #expect(ours.last?["total_seats"] as? Int == 4)
                #expect(ours.last?["available_seats"] as? Int == 2)
            }

            try await client.execute(uri: "/api/events/\(fixture.gala)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.eTag]?.hasPrefix("\"") == true)
                let event = try Self.object(response)
                #expect(
                    Set(event.keys)
                        == Self.eventFields.union([
                            "total_seats", "available_seats", "held_seats", "booked_seats", "categories", "seats",
                        ]))
                let categories = try #require(event["categories"] as? [[String: Any]])
                #expect(categories.map { $0["category"] as? String } == ["box", "stalls"])
                #expect(categories.map { $0["price"] as? String } == ["120.00", "35.50"])
                #expect(categories.map { $0["total"] as? Int } == [2, 2])
                #expect(categories.map { $0["available"] as? Int } == [1, 1])
                #expect(event["event_id"] as? String == fixture.gala)
                #expect(event["date"] as? String == "2026-12-01T20:00:00Z")
                #expect(event["held_seats"] as? Int == 1)
                #expect(event["booked_seats"] as? Int == 1)
                let seats = try #require(event["seats"] as? [[String: Any]])
                #expect(seats.map { $0["seat_id"] as? String } == ["A1", "A2", "A3", "A4"])
                #expect(seats.map { $0["status"] as? String } == ["available", "held", "booked", "available"])
                // Nobody learns from the public map who holds or booked a seat.
                #expect(seats.allSatisfy { $0["user_id"] is NSNull })
                #expect(Set(seats[0].keys) == Self.seatFields)
                #expect(Set(seats[2].keys) == Self.seatFields)
                #expect(Set(seats[1].keys) == Self.seatFields.union(["held_until", "hold_seconds_remaining"]))
                #expect(seats.map { $0["price"] as? String } == ["120.00", "120.00", "35.50", "35.50"])
                #expect(seats.map { $0["number"] as? Int } == [1, 2, 3, 4])
                #expect(seats[0]["section"] as? String == "A")
                #expect(seats[0]["row"] as? String == "1")
                let heldUntil = try #require(seats[1]["held_until"] as? String)
                let parsed = try Date(heldUntil, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                #expect(abs(parsed.timeIntervalSince(fixture.heldUntil)) < 0.001)
                let remaining = try #require(seats[1]["hold_seconds_remaining"] as? Int)
                #expect((1...121).contains(remaining))
            }

            try await client.execute(
                uri: "/api/bookings/\(fixture.booking.uuidString)", method: .get,
                headers: try await Environment.bearer("ana")
            ) { response in
                #expect(response.status == .ok)
                let booking = try Self.object(response)
                #expect(
                    Set(booking.keys) == [
                        "booking_id", "event_id", "user_id", "seat_ids", "status", "reason", "held_until",
                        "created_at", "updated_at", "quantity", "total_price", "currency",
                    ])
                #expect(booking["total_price"] as? String == "120.00")
                #expect(booking["quantity"] as? Int == 1)
                #expect(booking["booking_id"] as? String == fixture.booking.uuidString)
                #expect(booking["event_id"] as? String == fixture.gala)
                #expect(booking["seat_ids"] as? [String] == ["A2"])
                #expect(booking["status"] as? String == "HELD")
                #expect(booking["reason"] is NSNull)
                for field in ["held_until", "created_at", "updated_at"] {
                    let text = try #require(booking[field] as? String)
                    #expect(text.hasSuffix("Z"))
                    _ = try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                }
            }
        }
    }

    @Test("a seat map requested with its current ETag is answered 304 without a body")
    func notModified() async throws {
        try await withRouter { client, fixture in
            let uri = "/api/events/\(fixture.matinee)"
            let etag = try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok)
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == etag)
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"0\""]) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes > 0)
            }
        }
    }

    @Test("a booking is read by its owner and administrators; anyone else is told it does not exist")
    func bookingPrivacy() async throws {
        try await withRouter { client, fixture in
            let uri = "/api/bookings/\(fixture.booking.uuidString)"
            let unknown = "/api/bookings/\(UUID().uuidString)"
            for (headers, expected) in [
                (try await Environment.bearer("ana"), HTTPResponse.Status.ok),
                ([.authorization: "Bearer \(Environment.adminToken)"], .ok),
                (try await Environment.bearer("ben"), .notFound), ([:], .unauthorized),
                ([.authorization: "Bearer not-a-token"], .unauthorized),
            ] {
                let answer = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                #expect(answer.status == expected, "\(headers)")
                if expected == .notFound {
                    // Exactly what a booking nobody has gets.
                    let missing = try await client.execute(uri: unknown, method: .get, headers: headers) { $0 }
                    #expect(missing.status == .notFound)
                    #expect(
                        String(buffer: answer.body)
                            == String(buffer: missing.body).replacingOccurrences(
                                of: unknown.dropFirst("/api/bookings/".count), with: fixture.booking.uuidString))
                }
            }
        }
    }

    @Test("a user's bookings come newest first, in pages that follow each other without gaps")
    func myBookings() async throws {
        try await Environment.withScratchViews { views in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            // Five of ann's bookings, two of them created in the same microsecond, and one of ben's.
            let created = [0, 1, 2, 2, 3].map { start.addingTimeInterval(Double($0)) }
            var ids: [UUID] = []
            for (index, at) in created.enumerated() {
                let id = UUID()
                ids.append(id)
                _ = try await views.query(
                    """
                    INSERT INTO booking_view (
                        booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at,
                        version, quantity)
                    VALUES (\(id), 'e', 'ann', ARRAY[\("S\(index)")], 'CONFIRMED', NULL, NULL, \(at), \(at), 1, 1),
                        (gen_random_uuid(), 'e', 'ben', '{X}', 'CONFIRMED', NULL, NULL, \(at), \(at), 1, 1)
                    """)
            }
            let app = Application(
                router: buildReadRouter(
                    views: views, feed: SeatChangeFeed(views: views, logger: Environment.logger),
                    authenticator: await Environment.authenticator(), logger: Environment.logger))
            let newestFirst = zip(ids, created).sorted { ($0.1, $0.0.uuidString) > ($1.1, $1.0.uuidString) }
                .map { $0.0.uuidString.lowercased() }
            try await app.test(.router) { client in
                let ann = try await Environment.bearer("ann")
                var seen: [String] = []
                var uri = "/api/me/bookings?limit=2"
                var pages = 0
                while true {
                    let page = try await client.execute(uri: uri, method: .get, headers: ann) { response in
                        #expect(response.status == .ok)
                        return try Self.object(response)
                    }
                    pages += 1
                    let bookings = try #require(page["bookings"] as? [[String: Any]])
                    #expect(bookings.allSatisfy { $0["user_id"] as? String == "ann" })
                    seen += bookings.compactMap { $0["booking_id"] as? String }
                    guard let next = page["next"] as? String else { break }
                    uri = "/api/me/bookings?limit=2&after=\(next)"
                }
                #expect(pages == 3)
                #expect(seen == newestFirst)
                for bad in ["limit=0", "limit=101", "limit=x", "after=nonsense"] {
                    let status = try await client.execute(uri: "/api/me/bookings?\(bad)", method: .get, headers: ann) {
                        $0.status
                    }
                    #expect(status == .badRequest, "\(bad)")
                }
                let anonymous = try await client.execute(uri: "/api/me/bookings", method: .get) { $0.status }
                #expect(anonymous == .unauthorized)
            }
        }
    }

    @Test("/metrics counts the requests of each route by method and status")
    func requestMetrics() async throws {
        SeatlineMetrics.bootstrap()
        try await withRouter { client, fixture in
            try await client.execute(uri: "/api/events/\(fixture.gala)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/events/no-such-event", method: .get) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                let labels = #"http_route="/api/events/{id}",http_request_method="GET",http_response_status_code="#
                #expect(text.contains(#"hb_requests{\#(labels)"200"}"#))
                #expect(text.contains(#"hb_requests{\#(labels)"404"}"#))
                #expect(text.contains(#"http_server_request_duration_count{\#(labels)"200"}"#))
            }
        }
    }
}
