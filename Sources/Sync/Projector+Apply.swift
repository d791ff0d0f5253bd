import BookingDomain
import Foundation
import Postgres

extension Projector {
    /// Writes one batch with a handful of set-based statements: the seats and views of created events, the seat
    /// changes with their count deltas and feed rows, the streams' versions, and the bookings.
    static func apply(_ batch: ProjectionBatch, on connection: PostgresConnection) async throws {
        for event in batch.createdEvents {
            try await create(event, on: connection)
        }
        if !batch.seatChanges.isEmpty {
            try await applySeatChanges(batch.seatChanges, on: connection)
        }
        if !batch.streamVersions.isEmpty {
            let streams = batch.streamVersions.sorted { $0.key < $1.key }
            _ = try await connection.query(
                """
                WITH streams AS (
                    INSERT INTO stream_view AS v (stream_id, version)
                    SELECT * FROM unnest(\(streams.map(\.key))::text[], \(streams.map(\.value))::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET version = greatest(v.version, excluded.version)
                    RETURNING stream_id, version
                )
                UPDATE event_view e SET version = s.version, revision = nextval('view_revision')
                FROM streams s WHERE e.event_id = s.stream_id
                """)
        }
        if !batch.bookings.isEmpty {
            try await upsertBookings(Array(batch.bookings.values), on: connection)
        }
    }

    /// Inserts the event's seats, then its view with counts taken from them: a seat change projected before
    /// its `EventCreated` (see `ProjectionBatch`) left a row that keeps its state and only gains a position,
    /// and a stream version projected before it is kept.
    private static func create(_ event: ProjectionBatch.CreatedEvent, on connection: PostgresConnection) async throws {
        let definition = event.definition
        let seats = definition.seats
        let categories = definition.categories
        _ = try await connection.query(
            """
            INSERT INTO seat_view AS s (event_id, seat_id, position, section, "row", number, category, status, version)
            SELECT DISTINCT ON (d.seat_id) \(definition.eventID), d.seat_id, (d.ordinal - 1)::integer, d.section, d."row",
                d.number, d.category, 'available', \(event.version)::bigint
            FROM unnest(\(seats.map(\.seatID))::text[], \(seats.map(\.section))::text[], \(seats.map(\.row))::text[],
                        \(seats.map(\.number))::integer[], \(seats.map(\.category))::text[])
                 WITH ORDINALITY AS d(seat_id, section, "row", number, category, ordinal)
            ORDER BY d.seat_id, d.ordinal
            ON CONFLICT (event_id, seat_id) DO UPDATE
            SET position = excluded.position, section = excluded.section, "row" = excluded."row",
                number = excluded.number, category = excluded.category
            """)
        _ = try await connection.query(
            """
            INSERT INTO category_view (event_id, category, price_minor, position, total_seats, available_seats)
            SELECT \(definition.eventID), c.category, c.price_minor, (c.ordinal - 1)::integer, count(s.seat_id),
                count(s.seat_id) FILTER (WHERE s.status = 'available')
            FROM unnest(\(categories.map(\.name))::text[], \(categories.map(\.priceMinor))::bigint[])
                 WITH ORDINALITY AS c(category, price_minor, ordinal)
            LEFT JOIN seat_view s ON s.event_id = \(definition.eventID) AND s.category = c.category
            GROUP BY c.category, c.price_minor, c.ordinal
            ON CONFLICT (event_id, category) DO NOTHING
            """)
        let prices = categories.map(\.priceMinor)
        _ = try await connection.query(
            """
            INSERT INTO event_view (
                event_id, name, date, venue, description, thumbnail, currency, min_price_minor, max_price_minor,
                sales_start, sales_end, total_seats, available_seats, held_seats, booked_seats, version, revision,
                created_at)
            SELECT \(definition.eventID), \(definition.name), \(definition.date), \(definition.venue),
                \(definition.description), \(definition.thumbnail), \(definition.currency.code), \(prices.min() ?? 0),
                \(prices.max() ?? 0), \(definition.salesStart)::timestamptz, \(definition.salesEnd)::timestamptz, count(*),
                count(*) FILTER (WHERE status = 'available'), count(*) FILTER (WHERE status = 'held'),
                count(*) FILTER (WHERE status = 'booked'),
                greatest(
                    \(event.version)::bigint,
                    (SELECT version FROM stream_view WHERE stream_id = \(definition.eventID))),
                nextval('view_revision'), \(event.createdAt)::timestamptz
            FROM seat_view WHERE event_id = \(definition.eventID)
            ON CONFLICT (event_id) DO NOTHING
            """)
    }

    /// One statement: writes every seat whose stored version is older, adjusts the events' counts by the
    /// old-to-new status deltas of the seats actually written, and appends the visible changes to the feed.
    private static func applySeatChanges(
        _ changes: [SeatKey: ProjectionBatch.SeatChange], on connection: PostgresConnection
    ) async throws {
        let ordered = changes.sorted { ($0.value.version, $0.key) < ($1.value.version, $1.key) }
        _ = try await connection.query(
            """
            WITH incoming AS (
                SELECT * FROM unnest(
                    \(ordered.map(\.key.eventID))::text[], \(ordered.map(\.key.seatID))::text[],
                    \(ordered.map(\.value.version))::bigint[], \(ordered.map(\.value.status.rawValue))::text[],
                    \(ordered.map(\.value.bookingID))::uuid[], \(ordered.map(\.value.userID))::text[],
                    \(ordered.map(\.value.heldUntil))::timestamptz[]
                ) WITH ORDINALITY AS c(event_id, seat_id, version, status, booking_id, user_id, held_until, ordinal)
            ),
            previous AS (
                SELECT s.event_id, s.seat_id, s.status, s.user_id, s.held_until, s.category
                FROM seat_view s JOIN incoming i ON s.event_id = i.event_id AND s.seat_id = i.seat_id
                WHERE s.version < i.version
            ),
            written AS (
                INSERT INTO seat_view AS s (event_id, seat_id, status, booking_id, user_id, held_until, version)
                SELECT event_id, seat_id, status, booking_id, user_id, held_until, version FROM incoming
                ON CONFLICT (event_id, seat_id) DO UPDATE
                SET status = excluded.status, booking_id = excluded.booking_id, user_id = excluded.user_id,
                    held_until = excluded.held_until, version = excluded.version
                WHERE s.version < excluded.version
                RETURNING s.event_id, s.seat_id, s.status, s.user_id, s.held_until
            ),
            deltas AS (
                SELECT w.event_id,
                    sum((w.status = 'available')::integer - (p.status = 'available')::integer) AS available,
                    sum((w.status = 'held')::integer - (p.status = 'held')::integer) AS held,
                    sum((w.status = 'booked')::integer - (p.status = 'booked')::integer) AS booked
                FROM written w JOIN previous p ON p.event_id = w.event_id AND p.seat_id = w.seat_id
                GROUP BY w.event_id
            ),
            counted AS (
                UPDATE event_view e
                SET available_seats = e.available_seats + d.available, held_seats = e.held_seats + d.held,
                    booked_seats = e.booked_seats + d.booked
                FROM deltas d WHERE e.event_id = d.event_id
            ),
            -- A seat without a category has not been placed by its EventCreated yet, which counts it when it comes.
            counted_by_category AS (
                UPDATE category_view c SET available_seats = c.available_seats + d.available
                FROM (
                    SELECT p.event_id, p.category,
                        sum((w.status = 'available')::integer - (p.status = 'available')::integer) AS available
                    FROM written w JOIN previous p ON p.event_id = w.event_id AND p.seat_id = w.seat_id
                    WHERE p.category IS NOT NULL
                    GROUP BY p.event_id, p.category
                ) d
                WHERE c.event_id = d.event_id AND c.category = d.category
            )
            INSERT INTO seat_changes (event_id, seat_id, status, user_id, held_until)
            SELECT w.event_id, w.seat_id, w.status, w.user_id, w.held_until
            FROM written w
            JOIN incoming i ON i.event_id = w.event_id AND i.seat_id = w.seat_id
            LEFT JOIN previous p ON p.event_id = w.event_id AND p.seat_id = w.seat_id
            WHERE (w.status, w.user_id, w.held_until) IS DISTINCT FROM (p.status, p.user_id, p.held_until)
            ORDER BY i.ordinal
            """)
    }

    /// Upserts the bookings; a booking row written by a newer entry of its stream is left as it is.
    private static func upsertBookings(
        _ bookings: [(booking: Booking, version: Int64)], on connection: PostgresConnection
    ) async throws {
        let values = bookings.map(\.booking)
        // Each element is itself an array literal, cast per row: unnest cannot take arrays of varying length.
        let seatLists = values.map { $0.seatIDs.postgresText ?? "{}" }
        _ = try await connection.query(
            """
            INSERT INTO booking_view AS b (
                booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at, version,
                quantity, category, total_price_minor, currency, waitlist_position)
            SELECT booking_id, event_id, user_id, seat_ids::text[], status, reason, held_until, created_at,
                updated_at, version, quantity, category, total_price_minor, currency, waitlist_position
            FROM unnest(
                \(values.map(\.bookingID))::uuid[], \(values.map(\.eventID))::text[], \(values.map(\.userID))::text[],
                \(seatLists)::text[], \(values.map(\.status.rawValue))::text[], \(values.map(\.reason))::text[],
                \(values.map(\.heldUntil))::timestamptz[], \(values.map(\.createdAt))::timestamptz[],
                \(values.map(\.updatedAt))::timestamptz[], \(bookings.map(\.version))::bigint[],
                \(values.map(\.quantity))::integer[], \(values.map(\.category))::text[],
                \(values.map(\.totalPriceMinor))::bigint[], \(values.map(\.currency))::text[],
                \(values.map(\.waitlistPosition))::bigint[]
            ) AS n(booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at, version,
                   quantity, category, total_price_minor, currency, waitlist_position)
            ON CONFLICT (booking_id) DO UPDATE
            SET event_id = excluded.event_id, user_id = excluded.user_id, seat_ids = excluded.seat_ids,
                status = excluded.status, reason = excluded.reason, held_until = excluded.held_until,
                created_at = excluded.created_at, updated_at = excluded.updated_at, version = excluded.version,
                quantity = excluded.quantity, category = excluded.category,
                total_price_minor = excluded.total_price_minor, currency = excluded.currency,
                waitlist_position = excluded.waitlist_position
            WHERE b.version < excluded.version
            """)
    }
}
