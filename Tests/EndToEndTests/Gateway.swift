import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SeatlineTestSupport
import Testing

/// The stack under test, reached only through its nginx gateway. The same suite runs against the
/// local stack (the defaults) or docker-compose: set SEATLINE_GATEWAY_URL and SEATLINE_ADMIN_TOKEN.
struct Gateway {
    struct Reply {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: [UInt8]

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        }

        func jsonArray() throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        }
    }

    let baseURL = LocalStack.gatewayURL
    let adminToken = LocalStack.adminToken

    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        contentType: String? = "application/json"
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let contentType, body != nil { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var collected = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Reply(
            status: response.status, headers: response.headers,
            body: collected.readBytes(length: collected.readableBytes) ?? [])
    }

    /// An admin call, retried while the gateway's admin rate limit answers 429 (another test may be probing it).
    func admin(_ path: String, body: String = "{}") async throws -> Reply {
        for attempt in 0..<50 {
            let reply = try await send(.POST, path, body: body, headers: [("Authorization", "Bearer \(adminToken)")])
            guard reply.status == .tooManyRequests else { return reply }
            try await Task.sleep(for: .milliseconds(100 * (attempt % 5 + 1)))
        }
        Issue.record("admin endpoint stayed rate limited")
        return try await send(.POST, path, body: body, headers: [("Authorization", "Bearer \(adminToken)")])
    }

    /// Creates an event with seats `seatIDs` and waits until the read side shows it.
    func createEvent(seatIDs: [String]) async throws -> String {
        let id = "e2e-\(UUID().uuidString.lowercased())"
        let seats = seatIDs.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await admin(
            "/api/admin/events",
            body:
                #"{"event_id":"\#(id)","name":"E2E show","date":"2027-03-01T20:00:00Z","venue":"Hall","seats":[\#(seats)]}"#
        )
        #expect(reply.status == .accepted)
        _ = try await eventually("event \(id) visible") {
            let event = try await send(.GET, "/api/events/\(id)")
            return event.status == .ok ? event : nil
        }
        return id
    }

    /// A registration or log-in, retried while the gateway's strict accounts limit answers 429 (another test may
    /// be flooding it on purpose).
    func accounts(_ path: String, _ body: String) async throws -> Reply {
        for attempt in 0..<100 {
            let reply = try await send(.POST, path, body: body)
            guard reply.status == .tooManyRequests else { return reply }
            try await Task.sleep(for: .milliseconds(200 * (attempt % 5 + 1)))
        }
        Issue.record("\(path) stayed rate limited")
        return try await send(.POST, path, body: body)
    }

    /// `Authorization: Bearer` with a token of the synthetic user `user`, signed with the stack's key.
    func authorization(_ user: String) async throws -> (String, String) {
        ("Authorization", "Bearer \(try await LocalStack.token(for: user))")
    }

    /// Sends a command as `user`.
    func command(_ user: String, _ path: String, body: String? = nil) async throws -> Reply {
        try await send(.POST, path, body: body, headers: [try await authorization(user)])
    }

    /// Posts a booking as `user` and returns its id.
    func book(
        _ user: String, _ event: String, _ seats: [String], path: String = "/api/book", headers: [(String, String)] = []
    )
        async throws -> String
    {
        let seatList = seats.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await send(
            .POST, path, body: #"{"eventId":"\#(event)","seatIds":[\#(seatList)]}"#,
            headers: headers + [try await authorization(user)])
        #expect(reply.status == .accepted, "\(String(decoding: reply.body, as: UTF8.self))")
        let id = try #require(try reply.json()["bookingId"] as? String)
        #expect(reply.headers.first(name: "Location") == "/api/bookings/\(id)")
        return id
    }

    /// Waits until the booking's status on the read side satisfies `done`, and returns the booking; read as
    /// `reader`, or with the admin token.
    func booking(
        _ id: String, as reader: String? = nil, until done: @escaping (String) -> Bool = { $0 != "PENDING" }
    ) async throws -> [String: Any] {
        var authorization = ("Authorization", "Bearer \(adminToken)")
        if let reader { authorization = try await self.authorization(reader) }
        return try await eventually("booking \(id) final") {
            let reply = try await send(.GET, "/api/bookings/\(id)", headers: [authorization])
            if reply.status == .notFound {
                #expect(reply.headers.first(name: "Retry-After") != nil)
                return nil
            }
            let booking = try reply.json()
            return (booking["status"] as? String).map(done) == true ? booking : nil
        }
    }

    func seatMap(_ event: String) async throws -> [String: Any] {
        let reply = try await send(.GET, "/api/events/\(event)")
        #expect(reply.status == .ok)
        return try reply.json()
    }
}
