public import BookingDomain
public import Foundation
import HTTPTypes
public import Hummingbird
import Identity
import JSONBytes
import Metrics
public import SeatlineRuntime

/// The write side of the public API: every command is validated, published, and answered 202 only
/// after the broker acknowledged it.
public struct WriteRoutes: Sendable {
    /// The settings the routes need.
    public struct Settings: Sendable {
        /// Limits on request bodies.
        public var limits = RequestLimits()
        /// How long a hold lasts, and how far one extension moves it on.
        public var holdDuration = Duration.seconds(600)
        /// The longest a hold may last from when it began.
        public var maxHoldDuration = Duration.seconds(1800)
        /// How long a command may wait for the worker before it is rejected.
        public var requestTimeToLive = Duration.seconds(120)
        /// Body size limit of booking commands.
        public var maxBodyBytes = 16 * 1024
        /// Body size limit of admin event creation: 100,000 seat objects with section, row and category.
        public var maxAdminBodyBytes = 16 * 1024 * 1024

        /// The defaults.
        public init() {}
    }

    private let publisher: any CommandPublisher
    private let authenticator: RequestAuthenticator
    private let settings: Settings
    private let validator: RequestValidator
    private let now: @Sendable () -> Date
    private let salesActive: @Sendable () -> Bool
    private let accepted = Counter(label: "seatline_write_commands_accepted_total")
    private let refused = Counter(label: "seatline_write_requests_refused_total")
    private let unavailable = Counter(label: "seatline_write_broker_unavailable_total")
    private let outcomeUnknown = Counter(label: "seatline_write_commands_outcome_unknown_total")
    private let paused = Counter(label: "seatline_write_commands_paused_total")

    /// Routes publishing through `publisher` the commands of the users `authenticator` verifies, while
    /// `salesActive` says sales are on.
    public init(
        publisher: any CommandPublisher, authenticator: RequestAuthenticator, settings: Settings,
        salesActive: @escaping @Sendable () -> Bool = { true }, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.salesActive = salesActive
        self.publisher = publisher
        self.authenticator = authenticator
        self.settings = settings
        self.validator = RequestValidator(limits: settings.limits)
        self.now = now
    }

    /// Adds the routes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        let holdSeconds = Int(settings.holdDuration.components.seconds)
        router.post("/api/book") { request, context in
            try await accept(request, context: context) { request, context, user in
                let seats = try validator.seatRequest(
                    from: try await body(of: request, limit: settings.maxBodyBytes), userID: user.userID)
                return (try bookingID(for: seats.userID, request), .book(seats))
            }
        }
        router.post("/api/holds") { request, context in
            try await accept(request, context: context) { request, context, user in
                let seats = try validator.seatRequest(
                    from: try await body(of: request, limit: settings.maxBodyBytes), userID: user.userID)
                return (try bookingID(for: seats.userID, request), .hold(seats, holdSeconds: holdSeconds))
            }
        }
        router.post("/api/waitlist") { request, context in
            try await accept(request, context: context) { request, context, user in
                let seats = try validator.waitlistRequest(
                    from: try await body(of: request, limit: settings.maxBodyBytes), userID: user.userID)
                return (try bookingID(for: seats.userID, request), .wait(seats, holdSeconds: holdSeconds))
            }
        }
        let maxHoldSeconds = Int(settings.maxHoldDuration.components.seconds)
        let bookingActions: [(String, @Sendable (BookingReference) -> BookingCommand.Action)] = [
            ("confirm", BookingCommand.Action.confirm), ("cancel", BookingCommand.Action.cancel),
            ("extend", { .extend($0, holdSeconds: holdSeconds, maxHoldSeconds: maxHoldSeconds) }),
        ]
        for (verb, action) in bookingActions {
            router.post("/api/bookings/{id}/\(verb)") { request, context in
                try await accept(request, context: context) { request, context, user in
                    let reference = try validator.bookingReference(
                        bookingID: context.parameters.get("id") ?? "",
                        from: try await body(of: request, limit: settings.maxBodyBytes, optional: true),
                        userID: user.userID)
                    return (reference.bookingID, action(reference))
                }
            }
        }
        router.post("/api/admin/events") { request, context in
            _ = try await counted { () async throws(APIError) in try await authenticator.admin(request) }
            let definition = try validator.eventDefinition(
                from: try await body(of: request, limit: settings.maxAdminBodyBytes),
                generatedID: { UUID.random().uuidString.lowercased() })
            try await publish(.createEvent(definition), id: UUID.random())
            var writer = JSONWriter()
            writer.object {
                $0.field("message", "Event creation request received and is being processed.")
                $0.field("event_id", definition.eventID)
                $0.field("status", BookingStatus.pending.rawValue)
            }
            return jsonResponse(
                .accepted, writer.bytes, headers: [.location: "/api/events/\(Self.pathSegment(definition.eventID))"])
        }
        router.post("/api/admin/expire") { request, context in
            _ = try await counted { () async throws(APIError) in try await authenticator.admin(request) }
            try await publish(.expireHolds, id: UUID.random())
            var writer = JSONWriter()
            writer.object {
                $0.field("message", "Hold expiry requested and is being processed.")
                $0.field("status", BookingStatus.pending.rawValue)
            }
            return jsonResponse(.accepted, writer.bytes)
        }
    }

    /// Verifies the sender, runs `parse` for them, publishes the command it yields and answers 202 with the
    /// booking's location. Nothing is read from the body before the sender is known.
    private func accept<Context: RequestContext>(
        _ request: Request, context: Context,
        _ parse: (Request, Context, VerifiedIdentity) async throws -> (UUID, BookingCommand.Action)
    ) async throws -> Response {
        let user = try await counted { () async throws(APIError) in try await authenticator.user(request) }
        let (bookingID, action) = try await parse(request, context, user)
        guard salesActive() else {
            paused.increment()
            throw APIError(
                .serviceUnavailable, code: "sales_paused",
                message: "Sales are paused by the operators; nothing was accepted. Retry later.",
                headers: [.retryAfter: "5"])
        }
        // A book or hold command's id is its booking id, so a retry with the same Idempotency-Key
        // publishes the same command id and the worker applies it once.
        let commandID: UUID =
            switch action {
            case .book, .hold, .wait: bookingID
            default: UUID.random()
            }
        try await publish(action, id: commandID, about: bookingID)
        var writer = JSONWriter()
        writer.object {
            $0.field("message", "Booking request received and is being processed.")
            $0.field("bookingId", bookingID.uuidString.lowercased())
            $0.field("status", BookingStatus.pending.rawValue)
        }
        return jsonResponse(
            .accepted, writer.bytes, headers: [.location: "/api/bookings/\(bookingID.uuidString.lowercased())"])
    }

    /// Publishes the command; when the broker's answer never came, the 503 names `booking` (if the command is about
    /// one) and says the outcome is unknown, since the command may be stored and decided all the same.
    private func publish(_ action: BookingCommand.Action, id: UUID, about booking: UUID? = nil) async throws(APIError) {
        let acceptedAt = now()
        let command = BookingCommand(
            commandID: id, acceptedAt: acceptedAt,
            deadline: acceptedAt.addingTimeInterval(TimeInterval(settings.requestTimeToLive.components.seconds)),
            action: action)
        do {
            try await publisher.publish(command)
            accepted.increment()
        } catch let failure where failure.outcomeUnknown {
            outcomeUnknown.increment()
            let bookingID = booking?.uuidString.lowercased()
            let settle =
                bookingID.map {
                    "Read GET /api/bookings/\($0), or retry with the same Idempotency-Key: it takes effect at most once."
                } ?? "Check before sending it again."
            throw APIError(
                .serviceUnavailable, code: "outcome_unknown",
                message: "The booking queue did not confirm the request in time; it may still take effect. \(settle)",
                headers: [.retryAfter: "2"], bookingID: bookingID)
        } catch {
            unavailable.increment()
            throw APIError.unavailable(
                "The booking queue is unavailable; nothing was accepted. Retry shortly.", retryAfterSeconds: 2)
        }
    }

    private func bookingID(for userID: String, _ request: Request) throws(APIError) -> UUID {
        // Empty is none, as the gateway sees it: nginx cannot forward an empty header.
        guard let key = request.headers[.idempotencyKey], !key.isEmpty else { return UUID.random() }
        guard key.utf8.count <= 255, key.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) })
        else {
            refused.increment()
            throw APIError(
                .badRequest, code: "invalid_idempotency_key",
                message: "Idempotency-Key must be at most 255 printable ASCII characters")
        }
        return IdempotencyKey.bookingID(userID: userID, key: key)
    }

    /// The JSON body, counting a refusal.
    private func body(of request: Request, limit: Int, optional: Bool = false) async throws(APIError) -> [UInt8] {
        try await counted { () async throws(APIError) in try await request.jsonBody(limit: limit, optional: optional) }
    }

    /// `step`'s result; a refusal is counted in `seatline_write_requests_refused_total` before it is answered.
    private func counted<Result>(_ step: () async throws(APIError) -> Result) async throws(APIError) -> Result {
        do {
            return try await step()
        } catch {
            refused.increment()
            throw error
        }
    }

    /// RFC 3986's characters of a path segment (pchar), all others percent-encoded.
    private static let pathSegmentCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")

    /// An id as one segment of a URL path, so a client following `Location` asks for the same id.
    private static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: pathSegmentCharacters) ?? id
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
}
