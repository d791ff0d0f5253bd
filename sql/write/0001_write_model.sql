-- The write model: current seat state (the judge of every booking), booking outcomes keyed by
-- command id, and the append-only journal the read side is projected from.

CREATE TABLE events (
    event_id    text PRIMARY KEY,
    name        text NOT NULL,
    date        text NOT NULL,
    venue       text NOT NULL,
    total_seats integer NOT NULL CHECK (total_seats > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seats (
    event_id   text NOT NULL REFERENCES events,
    seat_id    text NOT NULL,
    position   integer NOT NULL,
    status     text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'booked')),
    booking_id uuid,
    user_id    text,
    held_until timestamptz,
    -- The fence: every write names the version it read and bumps it, so a writer acting on a stale
    -- read (an expired Redis lock, a paused process) changes nothing.
    version    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, seat_id),
    CHECK ((status = 'available') = (booking_id IS NULL)),
    CHECK ((status = 'held') = (held_until IS NOT NULL))
);

CREATE TABLE bookings (
    booking_id uuid PRIMARY KEY,
    event_id   text NOT NULL,
    user_id    text NOT NULL,
    seat_ids   text[] NOT NULL,
    status     text NOT NULL CHECK (status IN ('CONFIRMED', 'REJECTED', 'HELD', 'EXPIRED', 'CANCELLED')),
    reason     text,
    held_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX bookings_held_until ON bookings (held_until) WHERE status = 'HELD';

-- Every command id the worker has applied, written in the transaction that carries its effect, so
-- a redelivered Kafka message is recognised and skipped.
CREATE TABLE processed_commands (
    command_id   uuid PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The last version of each journal stream (one stream per event id, known or not), bumped under
-- its row lock by every append so versions are contiguous per stream.
CREATE TABLE journal_streams (
    stream_id text PRIMARY KEY,
    version   bigint NOT NULL
);

CREATE TABLE journal (
    position       bigserial PRIMARY KEY,
    -- The appending transaction: the projector reads only below the oldest running transaction,
    -- ordered by (transaction_id, position), so a late commit can never be skipped.
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      text NOT NULL,
    stream_version bigint NOT NULL,
    entry_type     text NOT NULL,
    payload        jsonb NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
);

CREATE INDEX journal_projection_order ON journal (transaction_id, position);

-- Kafka messages that could not be decoded: kept for inspection, never blocking their partition.
CREATE TABLE undecodable_commands (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    "offset"    bigint NOT NULL,
    payload     bytea NOT NULL,
    error       text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);

-- Leader leases: at most one holder per name until expires_at; the expiry sweeper takes one so a
-- cluster runs one active sweeper, and another takes over when the holder stops renewing.
CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);
