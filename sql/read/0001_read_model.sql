-- The read model: denormalized views served by read-api, written only by the sync projector.
--
-- Entries are projected in (transaction id, position) order, which is gap-safe but can differ from the
-- order in which two transactions appending to the same stream committed. Stream versions are assigned
-- under the stream's row lock, so they are the commit order within a stream: every seat and booking row
-- keeps the stream version that last wrote it, and an older change never overwrites a newer one.

-- Hands out a new value whenever an event's view changes: the seat map's ETag. It survives a rebuild
-- (TRUNCATE keeps sequences), so an ETag never names two different seat maps.
CREATE SEQUENCE view_revision;

-- The one date format of the public API: ISO 8601 in UTC with milliseconds, e.g. 2026-12-01T20:00:00.000Z.
CREATE FUNCTION iso8601_utc(value timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

CREATE TABLE event_view (
    event_id        text PRIMARY KEY,
    name            text NOT NULL,
    date            text NOT NULL,
    venue           text NOT NULL,
    total_seats     integer NOT NULL,
    available_seats integer NOT NULL,
    held_seats      integer NOT NULL,
    booked_seats    integer NOT NULL,
    -- Highest journal stream version projected; equals journal_streams.version once caught up.
    version         bigint NOT NULL,
    -- From view_revision, renewed by every projection transaction that touches the event.
    revision        bigint NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX event_view_listing_order ON event_view (date, event_id);

CREATE TABLE seat_view (
    event_id   text NOT NULL,
    seat_id    text NOT NULL,
    -- Index in the event's seat map; NULL only while a change has been projected before its EventCreated.
    position   integer,
    status     text NOT NULL CHECK (status IN ('available', 'held', 'booked')),
    booking_id uuid,
    user_id    text,
    held_until timestamptz,
    -- Stream version of the entry that last changed the seat.
    version    bigint NOT NULL,
    PRIMARY KEY (event_id, seat_id)
);

CREATE INDEX seat_view_map_order ON seat_view (event_id, position);

-- The highest version projected of every journal stream, whether or not it has an event view yet: an entry
-- projected before its stream's EventCreated still counts once the view is created.
CREATE TABLE stream_view (
    stream_id text PRIMARY KEY,
    version   bigint NOT NULL
);

CREATE TABLE booking_view (
    booking_id uuid PRIMARY KEY,
    event_id   text NOT NULL,
    user_id    text NOT NULL,
    seat_ids   text[] NOT NULL,
    status     text NOT NULL,
    reason     text,
    held_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Stream version of the entry that last wrote the booking.
    version    bigint NOT NULL
);

-- Seat changes in projection order: the feed of the live seat-update streams. Only one projection
-- transaction writes at a time (an advisory lock), so positions grow in commit order and a reader
-- following them skips nothing.
CREATE TABLE seat_changes (
    position   bigserial PRIMARY KEY,
    event_id   text NOT NULL,
    seat_id    text NOT NULL,
    status     text NOT NULL,
    user_id    text,
    held_until timestamptz,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX seat_changes_by_event ON seat_changes (event_id, position);

-- How far the projector got, written in the same transaction as the projection itself: every entry at or
-- before (transaction_id, position) in projection order has been applied.
CREATE TABLE projection_checkpoint (
    projection     text PRIMARY KEY,
    transaction_id bigint NOT NULL,
    position       bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
