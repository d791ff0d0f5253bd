import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// What the gateway and the read API answer to requests that go nowhere or too far.
@Suite struct GatewayTests {
    let gateway = Gateway()

    @Test func everyRoleIsHealthyBehindTheGateway() async throws {
        for path in [
            "/healthz", "/healthz/write-api", "/healthz/read-api", "/healthz/worker", "/healthz/sync",
            "/healthz/accounts",
        ] {
            let reply = try await gateway.send(.GET, path)
            #expect(reply.status == .ok, "\(path)")
        }
    }

    @Test func eachRolesMetricsAreForAdministratorsOnly() async throws {
        let admin = ("Authorization", "Bearer \(gateway.adminToken)")
        for role in ["write-api", "read-api", "worker", "sync", "accounts"] {
            let metrics = try await gateway.send(.GET, "/metrics/\(role)", headers: [admin])
            #expect(metrics.status == .ok, "\(role)")
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true, "\(role)")
            #expect(String(decoding: metrics.body, as: UTF8.self).contains("\n# TYPE "), "\(role)")
            try GatewayErrorTests.expectError(
                try await gateway.send(.GET, "/metrics/\(role)"), .unauthorized, code: "unauthorized")
            try GatewayErrorTests.expectError(
                try await gateway.send(.GET, "/metrics/\(role)", headers: [try await gateway.authorization("peeker")]),
                .forbidden, code: "forbidden")
        }
        let writeAPI = try await gateway.send(.GET, "/metrics/write-api", headers: [admin])
        let page = String(decoding: writeAPI.body, as: UTF8.self)
        for name in ["seatline_commands_undecided", "seatline_sales_active", "seatline_write_commands_accepted_total"] {
            #expect(page.contains("\n\(name) "), "write-api's metrics lack \(name)")
        }
    }

    @Test func unknownPathsAndIDsAnswer404JSON() async throws {
        let path = try await gateway.send(.GET, "/no/such/thing")
        #expect(path.status == .notFound)
        #expect(try path.json()["code"] as? String == "not_found")
        let event = try await gateway.send(.GET, "/api/events/never-created-\(UUID())")
        #expect(event.status == .notFound)
        #expect(try event.json()["error"] as? String != nil)
        let booking = try await gateway.send(
            .GET, "/api/bookings/\(UUID())", headers: [try await gateway.authorization("nobody")])
        #expect(booking.status == .notFound)
        #expect(booking.headers.first(name: "Retry-After") != nil)
    }

    @Test func oversizeBodyAnswers413JSON() async throws {
        let huge = #"{"userId":"u","eventId":"e","seatId":""# + String(repeating: "x", count: 100_000) + #""}"#
        let reply = try await gateway.send(.POST, "/api/book", body: huge)
        #expect(reply.status == .payloadTooLarge)
        #expect(try reply.json()["code"] as? String == "payload_too_large")
    }

    @Test func badInputAnswers4xxJSON() async throws {
        let reply = try await gateway.command("u", "/api/book", body: #"{"userId":"u","eventId":"e"}"#)
        #expect(reply.status == .badRequest)
        #expect(try reply.json()["code"] as? String == "missing_field")
        let plain = try await gateway.send(
            .POST, "/api/book", body: "x", headers: [try await gateway.authorization("u")], contentType: "text/plain")
        #expect(plain.status == .unsupportedMediaType)
    }

    @Test func seatMapAnswers304ForAMatchingETag() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1"])
        let first = try await gateway.send(.GET, "/api/events/\(event)")
        let etag = try #require(first.headers.first(name: "ETag"))
        let again = try await gateway.send(.GET, "/api/events/\(event)", headers: [("If-None-Match", etag)])
        #expect(again.status == .notModified)
        #expect(again.body.isEmpty)
    }

    @Test func seatMapsComeFromTheGatewayCacheButBookingsNever() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1"])
        _ = try await gateway.send(.GET, "/api/events/\(event)")
        let cached = try await gateway.send(.GET, "/api/events/\(event)")
        #expect(cached.status == .ok)
        #expect(["HIT", "UPDATING", "REVALIDATED"].contains(cached.headers.first(name: "X-Cache-Status") ?? ""))
        let booking = try await gateway.send(.GET, "/api/bookings/\(UUID())")
        #expect(booking.headers.first(name: "X-Cache-Status") == nil)
    }

    @Test func adminWithoutTokenIs401AndHammeringIsRateLimited() async throws {
        let unauthorized = try await gateway.send(.POST, "/api/admin/expire", body: "{}")
        #expect(unauthorized.status == .unauthorized || unauthorized.status == .tooManyRequests)
        let replies = try await withThrowingTaskGroup(of: Gateway.Reply.self) { group in
            for _ in 0..<150 {
                group.addTask {
                    try await gateway.send(
                        .POST, "/api/admin/expire", body: "{}", headers: [("Authorization", "Bearer guess")])
                }
            }
            return try await group.reduce(into: [Gateway.Reply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == .unauthorized || $0.status == .tooManyRequests })
        let limited = try #require(replies.first { $0.status == .tooManyRequests })
        try GatewayErrorTests.expectError(limited, .tooManyRequests, code: "rate_limited")
        #expect(limited.headers.first(name: "Retry-After") == "1")
    }

    @Test func aSeatStreamResumesThroughTheGatewayAfterLastEventID() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1", "A2"])
        let first = try await gateway.book("stream-reader", event, ["A1"])
        _ = try await gateway.booking(first, as: "stream-reader")
        let replay = try await streamText(event, lastEventID: "0", until: #""seat_id":"A1""#)
        let position = try #require(
            replay.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) })

        let second = try await gateway.book("stream-reader", event, ["A2"])
        _ = try await gateway.booking(second, as: "stream-reader")
        let resumed = try await streamText(event, lastEventID: position, until: #""seat_id":"A2""#)
        #expect(!resumed.contains(#""seat_id":"A1""#), "the change before Last-Event-ID came again: \(resumed)")
    }

    /// What the seat stream of `event` sends after `lastEventID`, read until `needle` arrives.
    private func streamText(_ event: String, lastEventID: String, until needle: String) async throws -> String {
        var request = HTTPClientRequest(url: gateway.baseURL + "/api/events/\(event)/stream")
        request.headers.add(name: "Last-Event-ID", value: lastEventID)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        #expect(response.status == .ok)
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if text.contains(needle) { return text }
        }
        Issue.record("the stream ended before \(needle): \(text)")
        return text
    }
}
