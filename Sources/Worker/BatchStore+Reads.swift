import BookingDomain
import Foundation
import Postgres

extension BatchStore {
    /// Reads everything `commands` can touch: their events, the seats they ask for, the bookings they
    /// name and those bookings' seats, and for an expiry the holds past their end. Plain reads in the batch's
    /// one snapshot, no row locks: every seat write is fenced by the version read here.
    func readLedger(
        for commands: [BookingCommand], now: Date, on connection: PostgresConnection
    ) async throws
        -> SeatLedger
    {
        var eventIDs = Set<String>()
        var seatKeys = Set<SeatKey>()
        var bookingIDs = Set<UUID>()
        var expires = false
        for command in commands {
            switch command.action {
            case .book(let request), .hold(let request, _):
                eventIDs.insert(request.eventID)
                seatKeys.formUnion(request.seatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) })
            case .createEvent(let definition):
                eventIDs.insert(definition.eventID)
            case .confirm(let reference), .cancel(let reference):
                bookingIDs.insert(reference.bookingID)
            case .expireHolds:
                expires = true
            }
        }

        let bookings = try await readBookings(ids: bookingIDs, expiredBefore: expires ? now : nil, on: connection)
        for booking in bookings.values {
            seatKeys.formUnion(booking.seatKeys)
        }
        let known = try await connection.query(
            "SELECT event_id FROM events WHERE event_id = ANY(\(Array(eventIDs))::text[])")
        return SeatLedger(
            events: Set(try known.map { try $0.decode(String.self, at: 0) }),
            seats: try await readSeats(seatKeys, on: connection),
            bookings: bookings)
    }

    private func readSeats(_ keys: Set<SeatKey>, on connection: PostgresConnection) async throws -> [SeatKey: Seat] {
        guard !keys.isEmpty else { return [:] }
        let ordered = Array(keys)
        let rows = try await connection.query(
            """
            SELECT s.event_id, s.seat_id, s.status, s.booking_id, s.user_id, s.held_until, s.version
            FROM seats s
            JOIN unnest(\(ordered.map(\.eventID))::text[], \(ordered.map(\.seatID))::text[]) AS k(event_id, seat_id)
              ON s.event_id = k.event_id AND s.seat_id = k.seat_id
            """)
        var seats: [SeatKey: Seat] = [:]
        seats.reserveCapacity(rows.rows.count)
        for row in rows {
            let key = SeatKey(eventID: try row.decode(String.self, at: 0), seatID: try row.decode(String.self, at: 1))
            guard let status = SeatStatus(rawValue: try row.decode(String.self, at: 2)) else { continue }
            seats[key] = Seat(
                status: status, bookingID: try row.decodeIfPresent(UUID.self, at: 3),
                userID: try row.decodeIfPresent(String.self, at: 4),
                heldUntil: try row.decodeIfPresent(Date.self, at: 5),
                version: try row.decode(Int64.self, at: 6))
        }
        return seats
    }

    /// The bookings named, and with `expiredBefore` also the holds that ended by then, oldest first
    /// and a bounded slice per run so one expiry transaction stays short.
    private func readBookings(
        ids: Set<UUID>, expiredBefore: Date?, on connection: PostgresConnection
    ) async throws
        -> [UUID: Booking]
    {
        guard !ids.isEmpty || expiredBefore != nil else { return [:] }
        let rows = try await connection.query(
            """
            SELECT booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at
            FROM bookings WHERE booking_id = ANY(\(Array(ids))::uuid[])
            UNION
            (SELECT booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at
             FROM bookings WHERE status = 'HELD' AND held_until <= \(expiredBefore)::timestamptz
             ORDER BY held_until LIMIT 2000)
            """)
        return try decodeBookings(rows)
    }

    private func decodeBookings(_ rows: PostgresResult) throws -> [UUID: Booking] {
        var bookings: [UUID: Booking] = [:]
        for row in rows {
            guard let status = BookingStatus(rawValue: try row.decode(String.self, at: 4)) else { continue }
            let booking = Booking(
                bookingID: try row.decode(UUID.self, at: 0), eventID: try row.decode(String.self, at: 1),
                userID: try row.decode(String.self, at: 2), seatIDs: try row.decode([String].self, at: 3),
                status: status,
                reason: try row.decodeIfPresent(String.self, at: 5),
                heldUntil: try row.decodeIfPresent(Date.self, at: 6),
                createdAt: try row.decode(Date.self, at: 7), updatedAt: try row.decode(Date.self, at: 8))
            bookings[booking.bookingID] = booking
        }
        return bookings
    }
}
