import BookingDomain
import Foundation
import Hummingbird
import Identity
import JSONBytes
import Postgres
import SeatlineRuntime

/// `GET /api/bookings/{id}` and `GET /api/me/bookings`: bookings as the projector last wrote them, each
/// readable only by its owner or an administrator.
struct BookingController: Sendable {
    let views: PostgresClient
    let authenticator: RequestAuthenticator

    /// Bookings per page of `GET /api/me/bookings` when `limit` is not given, and the most a page holds.
    static let defaultPageSize = 20
    static let maxPageSize = 100

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/bookings/{id}") { request, context in try await show(request, context: context) }
        router.get("/api/me/bookings") { request, _ in try await list(request) }
    }

    private func show(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let reader = try await authenticator.reader(request)
        let text = try context.pathIdentifier("id")
        guard let bookingID = UUID(uuidString: text) else {
            throw APIError.notFound("no such booking: the id is not a UUID")
        }
        let result = try await views.query(
            "SELECT \(sql: BookingRow.columns) FROM booking_view b WHERE b.booking_id = \(bookingID)")
        // Someone else's booking is answered exactly like one not projected yet: its existence is not the
        // reader's to learn.
        let row = result.rows.first
        let owner = try row?.decode(String.self, at: 2)
        guard let row, reader.isAdmin || owner == reader.userID else {
            // Accepted commands reach the read side a moment later, so the client should simply ask again.
            throw APIError.notFound("booking \(text) is not known yet", headers: [.retryAfter: "1"])
        }
        var writer = JSONWriter(capacity: 512)
        // The id as the client wrote it, so it matches the `bookingId` write-api handed out.
        try BookingRow.write(row, as: text, to: &writer)
        return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-cache"])
    }

    /// The caller's bookings, newest first; `next` is the cursor of the following page, or null.
    private func list(_ request: Request) async throws -> Response {
        let user = try await authenticator.user(request)
        let query = request.uri.queryParameters
        var limit = Self.defaultPageSize
        if let text = query["limit"] {
            guard let number = Int(String(text)), (1...Self.maxPageSize).contains(number) else {
                throw APIError(
                    .badRequest, code: "invalid_parameter", message: "limit must be between 1 and \(Self.maxPageSize)")
            }
            limit = number
        }
        let after = try query["after"].map { text throws(APIError) in try BookingCursor(String(text)) }
        // Microseconds since the epoch, added as an interval, compare exactly with the stored timestamps.
        let result = try await views.query(
            """
            SELECT \(sql: BookingRow.columns), (extract(epoch FROM b.created_at) * 1000000)::bigint
            FROM booking_view b
            WHERE user_id = \(user.userID)
                AND (\(after?.createdAtMicroseconds)::bigint IS NULL
                    OR (created_at, booking_id) < ('epoch'::timestamptz + \(after?.createdAtMicroseconds)::bigint
                        * interval '1 microsecond', \(after?.bookingID)::uuid))
            ORDER BY created_at DESC, booking_id DESC LIMIT \(limit + 1)
            """)
        let page = result.rows.prefix(limit)
        var writer = JSONWriter(capacity: 256 + page.count * 384)
        var failure: (any Error)?
        writer.object { object in
            object.field("bookings") { array in
                array.array(page) { element, row in
                    do {
                        try BookingRow.write(row, as: nil, to: &element)
                    } catch {
                        failure = error
                    }
                }
            }
            let next: String? =
                result.rows.count > limit ? page.last.flatMap { try? BookingCursor(row: $0).text } : nil
            object.field("next", next)
        }
        if let failure { throw failure }
        return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-cache"])
    }
}

/// Where a page of a user's bookings ends: the last booking's creation time and id.
struct BookingCursor {
    let createdAtMicroseconds: Int64
    let bookingID: UUID

    init(_ text: String) throws(APIError) {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "after must be a cursor this API returned")
        }
        createdAtMicroseconds = micros
        bookingID = id
    }

    init(row: PostgresRow) throws {
        createdAtMicroseconds = try row.decode(Int64.self, at: BookingRow.createdAtMicrosecondsColumn)
        bookingID = try row.decode(UUID.self, at: 0)
    }

    var text: String { "\(createdAtMicroseconds)_\(bookingID.uuidString.lowercased())" }
}

/// A row of `booking_view` as both booking queries select it (the list adds the creation time in microseconds,
/// its cursor) and its JSON.
enum BookingRow {
    /// The columns of `booking_view b`; a waiting request's place counts the requests ahead of it for its category.
    static let columns: StaticString = """
        b.booking_id, b.event_id, b.user_id, b.seat_ids, b.status, b.reason, iso8601_utc(b.held_until),
        iso8601_utc(b.created_at), iso8601_utc(b.updated_at), b.quantity, b.total_price_minor, b.currency,
        CASE WHEN b.status = 'WAITING' THEN 1 + (
            SELECT count(*) FROM booking_view w
            WHERE w.event_id = b.event_id AND w.status = 'WAITING' AND w.category IS NOT DISTINCT FROM b.category
                AND w.waitlist_position < b.waitlist_position)
        END
        """
    static let createdAtMicrosecondsColumn = 13

    /// Writes the booking; `id` is the booking id as the client wrote it, or nil for the stored one.
    static func write(_ row: PostgresRow, as id: String?, to writer: inout JSONWriter) throws {
        let bookingID = try id ?? row.decode(UUID.self, at: 0).uuidString.lowercased()
        let seatIDs = try row.decode([String].self, at: 3)
        let fields = (
            eventID: try row.decode(String.self, at: 1), userID: try row.decode(String.self, at: 2),
            status: try row.decode(String.self, at: 4), reason: try row.decodeIfPresent(String.self, at: 5),
            heldUntil: try row.decodeIfPresent(String.self, at: 6), createdAt: try row.decode(String.self, at: 7),
            updatedAt: try row.decode(String.self, at: 8), quantity: try row.decode(Int.self, at: 9),
            totalPriceMinor: try row.decode(Int64.self, at: 10),
            currency: try row.decodeIfPresent(String.self, at: 11).flatMap(Currency.init(code:)),
            waitlistPosition: try row.decodeIfPresent(Int.self, at: 12)
        )
        writer.object { object in
            object.field("booking_id", bookingID)
            object.field("event_id", fields.eventID)
            object.field("user_id", fields.userID)
            object.field("seat_ids") { array in array.array(seatIDs) { $0.string($1) } }
            object.field("status", fields.status)
            object.field("reason", fields.reason)
            object.field("held_until", fields.heldUntil)
            object.field("created_at", fields.createdAt)
            object.field("updated_at", fields.updatedAt)
            object.field("quantity", fields.quantity)
            // Null with the currency when the event is unknown (a booking rejected as unknown_event).
            object.field("total_price", fields.currency?.format(fields.totalPriceMinor))
            object.field("currency", fields.currency?.code)
            if let position = fields.waitlistPosition { object.field("waitlist_position", position) }
        }
    }
}
