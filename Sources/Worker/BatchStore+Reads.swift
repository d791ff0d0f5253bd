import BookingDomain
import Foundation
import Postgres

extension BatchStore {
    /// Reads everything `commands` can touch: their events, the seats they ask for, the bookings they
    /// name and those bookings' seats, for an expiry the holds past their end, and for best-available requests
    /// the first free seats of their events in seat order, up to `freeSeatLimits` per event. Plain reads in the
    /// batch's one snapshot, no row locks: every seat write is fenced by the version read here.
    func readLedger(
        for commands: [BookingCommand], now: Date, freeSeatLimits: [String: Int], on connection: PostgresConnection
    ) async throws
        -> SeatLedger
    {
        var eventIDs = Set<String>()
        var seatKeys = Set<SeatKey>()
        var bookingIDs = Set<UUID>()
        var expires = false
        for command in commands {
            switch command.action {
            case .book(let request), .hold(let request, _), .wait(let request, _):
                eventIDs.insert(request.eventID)
                seatKeys.formUnion(request.namedSeatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) })
            case .createEvent(let definition):
                eventIDs.insert(definition.eventID)
            case .confirm(let reference), .cancel(let reference), .extend(let reference, _, _):
                bookingIDs.insert(reference.bookingID)
            case .expireHolds:
                expires = true
            }
        }

        var bookings = try await readBookings(ids: bookingIDs, expiredBefore: expires ? now : nil, on: connection)
        for booking in bookings.values {
            seatKeys.formUnion(booking.seatKeys)
            eventIDs.insert(booking.eventID)
        }
        // Freed seats go to the waiting list, and best-available rules choose them: the events' free seats too.
        let waiting = try await readWaiting(in: eventIDs, on: connection)
        bookings.merge(waiting) { read, _ in read }
        var freeSeatLimits = freeSeatLimits
        for booking in waiting.values where freeSeatLimits[booking.eventID] == nil {
            freeSeatLimits[booking.eventID] = Self.minimumFreeSeatRead
        }
        var seats = try await readSeats(seatKeys, on: connection)
        var coverage: [String: FreeSeatCoverage] = [:]
        for (eventID, limit) in freeSeatLimits.sorted(by: { $0.key < $1.key }) {
            let free = try Self.decodeSeats(
                try await connection.query(
                    """
                    SELECT \(sql: Self.seatColumns) FROM seats s
                    WHERE s.event_id = \(eventID) AND s.status = 'available' ORDER BY s.position LIMIT \(limit)
                    """))
            seats.merge(free.seats) { read, _ in read }
            coverage[eventID] = free.seats.count < limit ? .allRows : .rowsBefore(free.lastRowIndex ?? 0)
        }
        return SeatLedger(
            events: try await readTerms(of: eventIDs, on: connection), seats: seats, bookings: bookings,
            freeSeatCoverage: coverage)
    }

    /// The currency, sales window and category prices of each known event.
    private func readTerms(
        of eventIDs: Set<String>, on connection: PostgresConnection
    ) async throws
        -> [String: EventTerms]
    {
        guard !eventIDs.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT e.event_id, e.currency, e.sales_start, e.sales_end, c.category, c.price_minor, e.waitlist_tail
            FROM events e JOIN event_categories c ON c.event_id = e.event_id
            WHERE e.event_id = ANY(\(Array(eventIDs))::text[])
            """)
        var window: [String: (currency: Currency, start: Date?, end: Date?, waitlistTail: Int64)] = [:]
        var prices: [String: [String: Int64]] = [:]
        for row in rows {
            let eventID = try row.decode(String.self, at: 0)
            let code = try row.decode(String.self, at: 1)
            guard let currency = Currency(code: code) else { continue }
            window[eventID] = (
                currency, try row.decodeIfPresent(Date.self, at: 2), try row.decodeIfPresent(Date.self, at: 3),
                try row.decode(Int64.self, at: 6)
            )
            prices[eventID, default: [:]][try row.decode(String.self, at: 4)] = try row.decode(Int64.self, at: 5)
        }
        return window.reduce(into: [:]) { terms, event in
            terms[event.key] = EventTerms(
                currency: event.value.currency, salesStart: event.value.start, salesEnd: event.value.end,
                prices: prices[event.key] ?? [:], waitlistTail: event.value.waitlistTail)
        }
    }

    private static let seatColumns: StaticString =
        "s.event_id, s.seat_id, s.status, s.booking_id, s.user_id, s.held_until, s.version, s.row_index, s.number, s.category"

    private func readSeats(_ keys: Set<SeatKey>, on connection: PostgresConnection) async throws -> [SeatKey: Seat] {
        guard !keys.isEmpty else { return [:] }
        let ordered = Array(keys)
        return try Self.decodeSeats(
            try await connection.query(
                """
                SELECT \(sql: Self.seatColumns) FROM seats s
                JOIN unnest(\(ordered.map(\.eventID))::text[], \(ordered.map(\.seatID))::text[]) AS k(event_id, seat_id)
                  ON s.event_id = k.event_id AND s.seat_id = k.seat_id
                """)
        ).seats
    }

    /// Seats selected as `seatColumns`, and the row index of the last one.
    private static func decodeSeats(_ rows: PostgresResult) throws -> (seats: [SeatKey: Seat], lastRowIndex: Int?) {
        var seats: [SeatKey: Seat] = [:]
        seats.reserveCapacity(rows.rows.count)
        var lastRowIndex: Int?
        for row in rows {
            let key = SeatKey(eventID: try row.decode(String.self, at: 0), seatID: try row.decode(String.self, at: 1))
            guard let status = SeatStatus(rawValue: try row.decode(String.self, at: 2)) else { continue }
            let place = SeatPlace(
                rowIndex: try row.decode(Int.self, at: 7), number: try row.decode(Int.self, at: 8),
                category: try row.decode(String.self, at: 9))
            seats[key] = Seat(
                status: status, bookingID: try row.decodeIfPresent(UUID.self, at: 3),
                userID: try row.decodeIfPresent(String.self, at: 4),
                heldUntil: try row.decodeIfPresent(Date.self, at: 5),
                version: try row.decode(Int64.self, at: 6), place: place)
            lastRowIndex = place.rowIndex
        }
        return (seats, lastRowIndex)
    }

    /// Every waiting request of the events.
    private func readWaiting(
        in eventIDs: Set<String>, on connection: PostgresConnection
    ) async throws
        -> [UUID: Booking]
    {
        guard !eventIDs.isEmpty else { return [:] }
        return try decodeBookings(
            try await connection.query(
                """
                SELECT \(sql: Self.bookingColumns) FROM bookings
                WHERE status = 'WAITING' AND event_id = ANY(\(Array(eventIDs))::text[])
                """))
    }

    /// The bookings named, and with `expiredBefore` also the holds that ended by then and the waiting requests of
    /// events whose sales closed by then, oldest first and a bounded slice per run so one expiry transaction stays
    /// short.
    private func readBookings(
        ids: Set<UUID>, expiredBefore: Date?, on connection: PostgresConnection
    ) async throws
        -> [UUID: Booking]
    {
        guard !ids.isEmpty || expiredBefore != nil else { return [:] }
        let rows = try await connection.query(
            """
            SELECT \(sql: Self.bookingColumns) FROM bookings WHERE booking_id = ANY(\(Array(ids))::uuid[])
            UNION
            (SELECT \(sql: Self.bookingColumns) FROM bookings WHERE status = 'HELD' AND held_until <= \(expiredBefore)::timestamptz
             ORDER BY held_until LIMIT 2000)
            UNION
            (SELECT \(sql: Self.bookingColumns) FROM bookings
             WHERE status = 'WAITING' AND event_id IN (
                 SELECT event_id FROM events WHERE sales_end <= \(expiredBefore)::timestamptz)
             ORDER BY waitlist_position LIMIT 2000)
            """)
        return try decodeBookings(rows)
    }

    private static let bookingColumns: StaticString = """
        booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at, quantity, category,
        total_price_minor, currency, held_since, offer_seconds, waitlist_position
        """

    private func decodeBookings(_ rows: PostgresResult) throws -> [UUID: Booking] {
        var bookings: [UUID: Booking] = [:]
        for row in rows {
            guard let status = BookingStatus(rawValue: try row.decode(String.self, at: 4)) else { continue }
            let booking = Booking(
                bookingID: try row.decode(UUID.self, at: 0), eventID: try row.decode(String.self, at: 1),
                userID: try row.decode(String.self, at: 2), seatIDs: try row.decode([String].self, at: 3),
                quantity: try row.decode(Int.self, at: 9), category: try row.decodeIfPresent(String.self, at: 10),
                totalPriceMinor: try row.decode(Int64.self, at: 11),
                currency: try row.decodeIfPresent(String.self, at: 12), status: status,
                reason: try row.decodeIfPresent(String.self, at: 5),
                heldUntil: try row.decodeIfPresent(Date.self, at: 6),
                heldSince: try row.decodeIfPresent(Date.self, at: 13),
                offerSeconds: try row.decodeIfPresent(Int.self, at: 14),
                waitlistPosition: try row.decodeIfPresent(Int64.self, at: 15),
                createdAt: try row.decode(Date.self, at: 7), updatedAt: try row.decode(Date.self, at: 8))
            bookings[booking.bookingID] = booking
        }
        return bookings
    }
}
