import BookingDomain
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import SeatlineRuntime
import Synchronization
import Testing

@testable import WriteAPI

/// Records what would have gone to Kafka; can play a broker that is down, or one that took the command and whose
/// answer never came.
final class RecordingPublisher: CommandPublisher {
    enum Broker {
        case acknowledges
        case unreachable
        case silentAfterSending
    }

    let published = Mutex<[BookingCommand]>([])
    let broker: Broker

    init(broker: Broker = .acknowledges) {
        self.broker = broker
    }

    func publish(_ command: BookingCommand) async throws(CommandPublisherError) {
        switch broker {
        case .acknowledges: published.withLock { $0.append(command) }
        case .unreachable: throw CommandPublisherError(reason: "no broker took the command")
        case .silentAfterSending:
            published.withLock { $0.append(command) }
            throw CommandPublisherError(reason: "the delivery report timed out", outcomeUnknown: true)
        }
    }

    var commands: [BookingCommand] { published.withLock { $0 } }
}

struct Answer: Decodable {
    let bookingId: String?
    let status: String?
    let error: String?
    let code: String?
}

@Suite struct WriteRoutesTests {
    static let token = "test-admin-token"
    static let keys = try! TokenKeys(signing: "test:" + Data(repeating: 7, count: 32).base64EncodedString())

    func withApp(
        _ publisher: RecordingPublisher, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(logger: Logger(label: "test")))
        WriteRoutes(publisher: publisher, authenticator: await Self.authenticator(), settings: WriteRoutes.Settings())
            .register(on: router)
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    static func authenticator() async -> RequestAuthenticator {
        RequestAuthenticator(verifier: await TokenVerifier(keys: keys, issuer: "seatline"), adminToken: token)
    }

    static func bearer(_ user: String, role: UserRole = .user) async throws -> HTTPFields {
        let issuer = await TokenIssuer(keys: keys, issuer: "seatline", lifetime: .seconds(60))
        return [.authorization: "Bearer \(try await issuer.token(for: VerifiedIdentity(userID: user, role: role)))"]
    }

    /// Posts `body` as `user` (nil: with no token, or only the `headers` given).
    func post(
        _ client: any TestClientProtocol, _ uri: String, _ body: String, contentType: String = "application/json",
        as user: String? = "u1", headers extra: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, HTTPFields, Answer?) {
        var headers = extra
        if let user, headers[.authorization] == nil { headers.append(contentsOf: try await Self.bearer(user)) }
        headers[.contentType] = contentType
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, $0.headers, try? JSONDecoder().decode(Answer.self, from: Data(buffer: $0.body)))
        }
    }

    @Test func acceptedBookingAnswers202WithLocation() async throws {
        let publisher = RecordingPublisher()
        try await withApp(publisher) { client in
            let (status, headers, answer) = try await post(client, "/api/book", #"{"eventId":"e1","seatId":"A1"}"#)
            #expect(status == .accepted)
            #expect(answer?.status == "PENDING")
            let id = try #require(answer?.bookingId)
            #expect(headers[.location] == "/api/bookings/\(id)")
            #expect(publisher.commands.map(\.commandID.uuidString).map { $0.lowercased() } == [id])
            #expect(
                publisher.commands.first?.action == .book(SeatRequest(userID: "u1", eventID: "e1", seatIDs: ["A1"])))
        }
    }

    @Test func badInputGets4xxAndNothingIsPublished() async throws {
        let publisher = RecordingPublisher()
        let oversize = #"{"userId":"u1","eventId":"e","seatId":""# + String(repeating: "x", count: 20_000) + #""}"#
        let table: [(String, String, String, HTTPResponse.Status, String)] = [
            ("/api/book", "{", "application/json", .badRequest, "invalid_json"),
            ("/api/book", #"{"userId":"u1","eventId":"e"}"#, "application/json", .badRequest, "missing_field"),
            (
                "/api/book", #"{"userId":"","eventId":"e","seatId":"A1"}"#, "application/json", .badRequest,
                "invalid_field"
            ),
            (
                "/api/book", #"{"userId":1,"eventId":"e","seatId":"A1"}"#, "application/json", .badRequest,
                "invalid_field"
            ),
            (
                "/api/book", #"{"userId":"u1","eventId":"e","seat":"A1"}"#, "application/json", .badRequest,
                "unknown_field"
            ),
            (
                "/api/book",
                #"{"userId":"u1","eventId":"e","seatIds":["1","2","3","4","5","6","7","8","9","10","11"]}"#,
                "application/json", .badRequest, "too_many_seats"
            ),
            (
                "/api/book", #"{"userId":"u1","eventId":"e","seatId":"A1"}"#, "text/plain", .unsupportedMediaType,
                "unsupported_media_type"
            ),
            ("/api/book", oversize, "application/json", .contentTooLarge, "payload_too_large"),
            ("/api/holds", #"[]"#, "application/json", .badRequest, "invalid_json"),
            (
                "/api/bookings/not-a-uuid/confirm", #"{"userId":"u"}"#, "application/json", .badRequest,
                "invalid_booking_id"
            ),
            ("/api/bookings/\(UUID())/cancel", #"{"user":"u1"}"#, "application/json", .badRequest, "unknown_field"),
            ("/api/bookings/\(UUID())/cancel", #"{"userId":"u2"}"#, "application/json", .forbidden, "user_mismatch"),
            ("/api/bookings/\(UUID())/cancel", "x", "text/plain", .unsupportedMediaType, "unsupported_media_type"),
            (
                "/api/book", #"{"userId":"u2","eventId":"e","seatId":"A1"}"#, "application/json", .forbidden,
                "user_mismatch"
            ),
            (
                "/api/admin/events", #"{"name":"x","date":"2027-01-01","total_seats":1}"#, "application/json",
                .forbidden, "forbidden"
            ),
            ("/api/admin/expire", "", "application/json", .forbidden, "forbidden"),
        ]
        try await withApp(publisher) { client in
            for (uri, body, contentType, expectedStatus, expectedCode) in table {
                let (status, _, answer) = try await post(client, uri, body, contentType: contentType)
                #expect(status == expectedStatus, "\(uri) \(body.prefix(60))")
                #expect(answer?.code == expectedCode, "\(uri) \(body.prefix(60))")
                #expect(answer?.error?.isEmpty == false)
            }
            let (status, _, _) = try await post(
                client, "/api/admin/expire", "", headers: [.authorization: "Bearer wrong-token-of-same-size"])
            #expect(status == .unauthorized)
        }
        #expect(publisher.commands.isEmpty)
    }

    @Test func everyUserCommandNeedsAValidTokenAndNothingIsPublishedWithout() async throws {
        let publisher = RecordingPublisher()
        let commands = [
            ("/api/book", #"{"eventId":"e","seatId":"A1"}"#), ("/api/holds", #"{"eventId":"e","seatId":"A1"}"#),
            ("/api/bookings/\(UUID())/confirm", ""), ("/api/bookings/\(UUID())/cancel", ""),
        ]
        let foreignKeys = try TokenKeys(signing: "test:" + Data(repeating: 9, count: 32).base64EncodedString())
        let foreign = try await TokenIssuer(keys: foreignKeys, issuer: "seatline", lifetime: .seconds(60))
            .token(for: VerifiedIdentity(userID: "u1", role: .admin))
        let expired = try await TokenIssuer(keys: Self.keys, issuer: "seatline", lifetime: .seconds(60))
            .token(for: VerifiedIdentity(userID: "u1", role: .user), now: Date().addingTimeInterval(-120))
        let refusals: [(HTTPFields, String)] = [
            ([:], "unauthorized"), ([.authorization: "Basic dTE6cHc="], "unauthorized"),
            ([.authorization: "Bearer"], "unauthorized"), ([.authorization: "Bearer\(foreign)"], "unauthorized"),
            ([.authorization: "Bearer \(Self.token)"], "invalid_token"),
            ([.authorization: "Bearer \(foreign)"], "invalid_token"),
            ([.authorization: "Bearer \(expired)"], "invalid_token"),
        ]
        try await withApp(publisher) { client in
            for (uri, body) in commands {
                for (headers, code) in refusals {
                    let (status, answerHeaders, answer) = try await post(client, uri, body, as: nil, headers: headers)
                    #expect(status == .unauthorized, "\(uri) \(headers)")
                    #expect(answer?.code == code, "\(uri) \(headers)")
                    #expect(answerHeaders[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
        }
        #expect(publisher.commands.isEmpty)
    }

    @Test func confirmAndCancelActForTheTokensUserWithOrWithoutABody() async throws {
        let publisher = RecordingPublisher()
        let booking = UUID()
        try await withApp(publisher) { client in
            let confirm = try await client.execute(
                uri: "/api/bookings/\(booking)/confirm", method: .post, headers: try await Self.bearer("ann")
            ) { $0.status }
            #expect(confirm == .accepted)
            let (cancel, _, _) = try await post(
                client, "/api/bookings/\(booking)/cancel", #"{"userId":"ann"}"#, as: "ann")
            #expect(cancel == .accepted)
        }
        #expect(
            publisher.commands.map(\.action) == [
                .confirm(BookingReference(bookingID: booking, userID: "ann")),
                .cancel(BookingReference(bookingID: booking, userID: "ann")),
            ])
    }

    @Test func metricsCountRequestsPerRouteAndStatus() async throws {
        SeatlineMetrics.bootstrap()
        let router = buildWriteRouter(
            publisher: RecordingPublisher(), authenticator: await Self.authenticator(),
            settings: WriteRoutes.Settings(),
            checks: [], logger: Logger(label: "test"))
        try await Application(router: router).test(.router) { client in
            _ = try await post(client, "/api/book", #"{"eventId":"e1","seatId":"A1"}"#)
            _ = try await post(client, "/api/book", "{")
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                let labels = #"http_route="/api/book",http_request_method="POST",http_response_status_code="#
                #expect(text.contains(#"hb_requests{\#(labels)"202"}"#))
                #expect(text.contains(#"hb_requests{\#(labels)"400"}"#))
            }
        }
    }

    @Test func idempotencyKeyGivesOneBookingID() async throws {
        let publisher = RecordingPublisher()
        try await withApp(publisher) { client in
            var ids = Set<String>()
            for _ in 0..<5 {
                let (status, _, answer) = try await post(
                    client, "/api/book", #"{"eventId":"e1","seatIds":["A1","A2"]}"#,
                    headers: [.idempotencyKey: "retry-me"])
                #expect(status == .accepted)
                ids.insert(try #require(answer?.bookingId))
            }
            #expect(ids.count == 1)
            // The key is scoped to the verified user: another user's same key is another booking.
            let (_, _, other) = try await post(
                client, "/api/book", #"{"eventId":"e1","seatId":"A1"}"#, as: "u2",
                headers: [.idempotencyKey: "retry-me"])
            #expect(other?.bookingId.map(ids.contains) == false)
            // Empty is no key, as through the gateway, which cannot forward an empty header.
            let (_, _, unkeyed) = try await post(
                client, "/api/book", #"{"eventId":"e1","seatId":"A1"}"#, headers: [.idempotencyKey: ""])
            #expect(unkeyed?.bookingId.map(ids.contains) == false)
            for bad in [String(repeating: "k", count: 256), "schlüssel"] {
                let (status, _, refused) = try await post(
                    client, "/api/book", #"{"eventId":"e1","seatId":"A1"}"#, headers: [.idempotencyKey: bad])
                #expect(status == .badRequest)
                #expect(refused?.code == "invalid_idempotency_key")
            }
        }
        #expect(Set(publisher.commands.map(\.commandID)).count == 3)
    }

    @Test func brokerDownAnswers503WithRetryAfter() async throws {
        try await withApp(RecordingPublisher(broker: .unreachable)) { client in
            let (status, headers, answer) = try await post(
                client, "/api/book", #"{"userId":"u1","eventId":"e","seatId":"A1"}"#)
            #expect(status == .serviceUnavailable)
            #expect(headers[.retryAfter] != nil)
            #expect(answer?.code == "unavailable")
            #expect(answer?.bookingId == nil)
        }
    }

    /// A command sent whose acknowledgement never came may be stored: the 503 says the outcome is unknown and names
    /// the booking, the same one a retry with the same Idempotency-Key (or a read) settles.
    @Test func anUnansweredSendIsAnUnknownOutcomeNamingTheBooking() async throws {
        let publisher = RecordingPublisher(broker: .silentAfterSending)
        try await withApp(publisher) { client in
            let key: HTTPFields = [.idempotencyKey: "retry-me"]
            let (status, headers, answer) = try await post(
                client, "/api/book", #"{"eventId":"e","seatId":"A1"}"#, headers: key)
            #expect(status == .serviceUnavailable)
            #expect(headers[.retryAfter] != nil)
            #expect(answer?.code == "outcome_unknown")
            let booking = try #require(answer?.bookingId)
            #expect(answer?.error?.contains("/api/bookings/\(booking)") == true)
            #expect(publisher.commands.map { $0.commandID.uuidString.lowercased() } == [booking])

            let (_, _, retried) = try await post(client, "/api/book", #"{"eventId":"e","seatId":"A1"}"#, headers: key)
            #expect(retried?.bookingId == booking)
            let (_, _, confirm) = try await post(client, "/api/bookings/\(booking)/confirm", "")
            #expect(confirm?.code == "outcome_unknown" && confirm?.bookingId == booking)
            let (_, _, created) = try await post(
                client, "/api/admin/events", #"{"name":"E","date":"2027-01-01","total_seats":1}"#, as: nil,
                headers: [.authorization: "Bearer \(Self.token)"])
            #expect(created?.code == "outcome_unknown" && created?.bookingId == nil)
        }
    }

    @Test(arguments: [false, true])
    func adminCreatesEventsAndRunsExpiry(withStaticToken: Bool) async throws {
        let publisher = RecordingPublisher()
        try await withApp(publisher) { client in
            let auth: HTTPFields =
                withStaticToken ? [.authorization: "Bearer \(Self.token)"] : try await Self.bearer("root", role: .admin)
            let (created, headers, _) = try await post(
                client, "/api/admin/events", #"{"event_id":"gig","name":"Gig","date":"2027-01-01","total_seats":3}"#,
                as: nil, headers: auth)
            #expect(created == .accepted)
            #expect(headers[.location] == "/api/events/gig")
            let (_, encoded, _) = try await post(
                client, "/api/admin/events", #"{"event_id":"gig? é","name":"Gig","date":"2027-01-01","total_seats":3}"#,
                as: nil, headers: auth)
            #expect(encoded[.location] == "/api/events/gig%3F%20%C3%A9")
            let (expired, _, _) = try await post(client, "/api/admin/expire", "", as: nil, headers: auth)
            #expect(expired == .accepted)
        }
        #expect(publisher.commands.count == 3)
        #expect(publisher.commands.last?.action == .expireHolds)
    }
}
