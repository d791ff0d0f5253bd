-- The read model: denormalized views served by read-api, written only by the sync projector.

CREATE TABLE event_view (
    event_id        text PRIMARY KEY,
    name            text NOT NULL,
    date            text NOT NULL,
    venue           text NOT NULL,
    total_seats     integer NOT NULL,
    available_seats integer NOT NULL,
    held_seats      integer NOT NULL,
    booked_seats    integer NOT NULL,
    -- Journal stream version last projected: the seat map's ETag.
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE seat_view (
    event_id   text NOT NULL,
    seat_id    text NOT NULL,
    position   integer NOT NULL,
    status     text NOT NULL,
    booking_id uuid,
    user_id    text,
    held_until timestamptz,
    PRIMARY KEY (event_id, seat_id)
);

CREATE INDEX seat_view_map_order ON seat_view (event_id, position);

CREATE TABLE booking_view (
    booking_id uuid PRIMARY KEY,
    event_id   text NOT NULL,
    user_id    text NOT NULL,
    seat_ids   text[] NOT NULL,
    status     text NOT NULL,
    reason     text,
    held_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Seat changes in projection order: the feed of the live seat-update streams.
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

-- How far the projector got, written in the same transaction as the projection itself.
CREATE TABLE projection_checkpoint (
    projection     text PRIMARY KEY,
    transaction_id bigint NOT NULL,
    position       bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
