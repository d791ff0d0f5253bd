import Foundation
import Hummingbird
import JSONBytes
import Postgres
import SeatlineRuntime

/// `GET /api/bookings/{id}`: a booking as the projector last wrote it.
struct BookingController: Sendable {
    let views: PostgresClient

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/bookings/{id}") { _, context in try await show(context: context) }
    }

    private func show(context: BasicRequestContext) async throws -> Response {
        let text = try context.pathIdentifier("id")
        guard let bookingID = UUID(uuidString: text) else {
            throw APIError.notFound("no such booking: the id is not a UUID")
        }
        let result = try await views.query(
            """
            SELECT event_id, user_id, seat_ids, status, reason, iso8601_utc(held_until), iso8601_utc(created_at),
                iso8601_utc(updated_at)
            FROM booking_view WHERE booking_id = \(bookingID)
            """)
        guard let row = result.rows.first else {
            // Accepted commands reach the read side a moment later, so the client should simply ask again.
            throw APIError.notFound("booking \(text) is not known yet", headers: [.retryAfter: "1"])
        }
        var writer = JSONWriter(capacity: 512)
        let seatIDs = try row.decode([String].self, at: 2)
        let fields = (
            eventID: try row.decode(String.self, at: 0), userID: try row.decode(String.self, at: 1),
            status: try row.decode(String.self, at: 3), reason: try row.decodeIfPresent(String.self, at: 4),
            heldUntil: try row.decodeIfPresent(String.self, at: 5), createdAt: try row.decode(String.self, at: 6),
            updatedAt: try row.decode(String.self, at: 7)
        )
        writer.object { object in
            // The id as the client wrote it, so it matches the `bookingId` write-api handed out.
            object.field("booking_id", text)
            object.field("event_id", fields.eventID)
            object.field("user_id", fields.userID)
            object.field("seat_ids") { array in array.array(seatIDs) { $0.string($1) } }
            object.field("status", fields.status)
            object.field("reason", fields.reason)
            object.field("held_until", fields.heldUntil)
            object.field("created_at", fields.createdAt)
            object.field("updated_at", fields.updatedAt)
        }
        return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-cache"])
    }
}
