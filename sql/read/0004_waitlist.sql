-- Waiting lists on the read side: a waiting request's place in its event's list, from which read-api counts
-- the people ahead of it and the people waiting per category.
ALTER TABLE booking_view ADD COLUMN waitlist_position bigint;

CREATE INDEX booking_view_waiting ON booking_view (event_id, category, waitlist_position) WHERE status = 'WAITING';
