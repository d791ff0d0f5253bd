-- Waiting lists and hold extensions. A waiting request is a booking in status WAITING with its place in the
-- event's list (handed out from events.waitlist_tail) and the length of the hold it is offered; a hold keeps
-- when it began, which bounds its extensions.

ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('CONFIRMED', 'REJECTED', 'HELD', 'EXPIRED', 'CANCELLED', 'WAITING'));

ALTER TABLE bookings
    ADD COLUMN held_since        timestamptz,
    ADD COLUMN offer_seconds     integer,
    ADD COLUMN waitlist_position bigint;

UPDATE bookings SET held_since = created_at WHERE status = 'HELD';

CREATE INDEX bookings_waiting ON bookings (event_id, waitlist_position) WHERE status = 'WAITING';

ALTER TABLE events ADD COLUMN waitlist_tail bigint NOT NULL DEFAULT 0;
