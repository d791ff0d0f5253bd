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
    }

    let eventID: String
    let name: String
    let date: String
    let venue: String
    let totalSeats: Int
    let availableSeats: Int
    let heldSeats: Int
    let bookedSeats: Int
    /// The view's revision: a new one for every projection that touched the event.
    let revision: Int64
    let seats: [Seat]
    private let hasHeldSeats: Bool
    private let lastRendering = Mutex<(second: Int64?, view: RenderedView)?>(nil)

    private init(row: PostgresRow, eventID: String, seats: [Seat]) throws {
        self.eventID = eventID
        name = try row.decode(String.self, at: 0)
        date = try row.decode(String.self, at: 1)
        venue = try row.decode(String.self, at: 2)
        totalSeats = try row.decode(Int.self, at: 3)
        availableSeats = try row.decode(Int.self, at: 4)
        heldSeats = try row.decode(Int.self, at: 5)
        bookedSeats = try row.decode(Int.self, at: 6)
        revision = try row.decode(Int64.self, at: 7)
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
                SELECT name, date, venue, total_seats, available_seats, held_seats, booked_seats, revision
                FROM event_view WHERE event_id = \(eventID)
                """)
            guard let first = event.rows.first else { return nil }
            let result = try await connection.query(
                """
                SELECT seat_id, status, iso8601_utc(held_until), (extract(epoch FROM held_until) * 1000)::bigint
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
                        heldUntilMilliseconds: held ? try row.decodeIfPresent(Int64.self, at: 3) : nil))
            }
            return try SeatMap(row: first, eventID: eventID, seats: seats)
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
        var writer = JSONWriter(capacity: 256 + seats.count * 64)
        writer.object { fields in
            fields.field("event_id", eventID)
            fields.field("name", name)
            fields.field("date", date)
            fields.field("venue", venue)
            fields.field("total_seats", totalSeats)
            fields.field("available_seats", availableSeats)
            fields.field("held_seats", heldSeats)
            fields.field("booked_seats", bookedSeats)
            fields.field("seats") { array in
                array.array(seats) { element, seat in
                    element.object { seatFields in
                        seatFields.field("seat_id", seat.seatID)
                        seatFields.field("status", seat.status)
                        // Public and the same for every reader (so the gateway may cache it): never who holds a seat.
                        seatFields.field("user_id", nil)
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
