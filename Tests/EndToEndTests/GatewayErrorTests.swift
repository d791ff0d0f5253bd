import Foundation
import NIOHTTP1
import Testing

/// What the gateway answers by itself, before or instead of a service: always the contract's `{"error","code"}`
/// JSON with its status, never nginx's HTML pages.
///
/// Not provoked here: 403 (no location denies access), 408 (nginx closes a timed-out connection without an
/// answer), 500 and 502 to 504 (they need a broken gateway or a stopped service, which the tests running in parallel
/// would see), 505 (an HTTP version the client here cannot send). 429 is checked by
/// `GatewayTests.adminWithoutTokenIs401AndHammeringIsRateLimited`, whose hammering of the admin zone the other tests
/// already tolerate.
@Suite struct GatewayErrorTests {
    let gateway = Gateway()

    static func expectError(
        _ reply: Gateway.Reply, _ status: HTTPResponseStatus, code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "Content-Type") == "application/json", sourceLocation: sourceLocation)
        let body = try reply.json()
        #expect(body["code"] as? String == code, sourceLocation: sourceLocation)
        #expect(body["error"] is String, sourceLocation: sourceLocation)
        #expect(body.count == 2, sourceLocation: sourceLocation)
    }

    @Test func aRequestTheGatewayCannotParseIs400() async throws {
        try Self.expectError(try await gateway.send(.GET, "/api/events/%00"), .badRequest, code: "bad_request")
    }

    @Test func unknownPathsAre404() async throws {
        for (method, path) in [(HTTPMethod.GET, "/nowhere"), (.POST, "/api/nowhere"), (.GET, "/api/admin/nowhere")] {
            try Self.expectError(try await gateway.send(method, path), .notFound, code: "not_found")
        }
    }

    @Test(arguments: [
        (HTTPMethod.DELETE, "/api/events", "GET, HEAD"),
        (.PUT, "/api/events/some-event", "GET, HEAD"),
        (.POST, "/api/events/some-event/stream", "GET, HEAD"),
        (.DELETE, "/api/bookings/8c4fb4e5-3b1c-4b8e-9d55-9b3a2c1e0f10", "GET, HEAD"),
        (.POST, "/api/openapi.json", "GET, HEAD"),
        (.POST, "/healthz", "GET, HEAD"),
        (.PUT, "/healthz/worker", "GET, HEAD"),
        (.GET, "/api/book", "POST"),
        (.PATCH, "/api/holds", "POST"),
        (.GET, "/api/bookings/8c4fb4e5-3b1c-4b8e-9d55-9b3a2c1e0f10/confirm", "POST"),
        (.GET, "/api/admin/events", "POST"),
        // nginx refuses TRACE before it chooses a location.
        (.TRACE, "/api/book", "POST"),
    ])
    func aMethodThePathDoesNotServeIs405WithAllow(method: HTTPMethod, path: String, allow: String) async throws {
        let reply = try await gateway.send(method, path)
        try Self.expectError(reply, .methodNotAllowed, code: "method_not_allowed")
        #expect(reply.headers.first(name: "Allow") == allow)
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        let body = #"{"userId":"u","eventId":"e","seatId":""# + String(repeating: "x", count: 70_000) + #""}"#
        try Self.expectError(
            try await gateway.send(.POST, "/api/book", body: body), .payloadTooLarge, code: "payload_too_large")
    }

    @Test func aRequestLineOverTheLimitIs414() async throws {
        let reply = try await gateway.send(.GET, "/api/events/" + String(repeating: "x", count: 9_000))
        try Self.expectError(reply, .uriTooLong, code: "uri_too_long")
    }

    @Test func aHeaderOverTheLimitIs431() async throws {
        let reply = try await gateway.send(
            .GET, "/api/events", headers: [("X-Padding", String(repeating: "x", count: 9_000))])
        try Self.expectError(reply, .requestHeaderFieldsTooLarge, code: "header_too_large")
    }

    /// Sent over a bare socket: HTTP clients refuse to send such a header at all.
    @Test(arguments: [
        "Authorization: Bearer a\u{01}b", "Idempotency-Key: key\u{1F}", "Content-Type: application/json\u{7F}",
    ])
    func aControlCharacterInAHeaderTheServicesReadIs400(header: String) async throws {
        let reply = try RawHTTP.exchange(
            url: gateway.baseURL,
            "POST /api/book HTTP/1.1\r\nHost: seatline\r\n\(header)\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )
        try Self.expectError(reply, .badRequest, code: "bad_request")
    }
}
