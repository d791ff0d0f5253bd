-- The catalog: event details and a sales window, price categories, and every seat's section, row, number
-- and category. Prices are whole minor units of the event's currency (cents for EUR), never floats.
-- Events created before this migration become one row of one free `standard` category.

ALTER TABLE events
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN thumbnail   text,
    ADD COLUMN currency    text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN sales_start timestamptz,
    ADD COLUMN sales_end   timestamptz,
    ADD CHECK (sales_start IS NULL OR sales_end IS NULL OR sales_start < sales_end);

CREATE TABLE event_categories (
    event_id    text NOT NULL REFERENCES events,
    category    text NOT NULL,
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    -- Order in the event's definition, which is the order the seat map lists them.
    position    integer NOT NULL,
    PRIMARY KEY (event_id, category)
);

INSERT INTO event_categories (event_id, category, price_minor, position)
SELECT event_id, 'standard', 0, 0 FROM events;

ALTER TABLE seats
    ADD COLUMN section   text NOT NULL DEFAULT '',
    ADD COLUMN "row"     text NOT NULL DEFAULT '',
    -- Rows are listed one after another in seat order; this is the row's index in that order.
    ADD COLUMN row_index integer NOT NULL DEFAULT 0,
    ADD COLUMN number    integer,
    ADD COLUMN category  text NOT NULL DEFAULT 'standard';

UPDATE seats SET number = position;
ALTER TABLE seats ALTER COLUMN number SET NOT NULL;

-- Best-available requests read an event's free seats in seat order, first ones first.
CREATE INDEX seats_free_in_order ON seats (event_id, position) WHERE status = 'available';

ALTER TABLE bookings
    ADD COLUMN quantity          integer,
    ADD COLUMN category          text,
    ADD COLUMN total_price_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN currency          text;

UPDATE bookings SET quantity = cardinality(seat_ids), currency = 'EUR';
ALTER TABLE bookings ALTER COLUMN quantity SET NOT NULL;
