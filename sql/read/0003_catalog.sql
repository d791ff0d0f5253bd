-- The catalog in the views: event details, price range and sales window; per category its price and seat
-- counts; per seat its section, row, number and category. Prices are whole minor units of the event's
-- currency, formatted as decimal strings only by read-api. Views projected before this migration become
-- one row of one free `standard` category, as the write model's migration makes them.

ALTER TABLE event_view
    ADD COLUMN description     text NOT NULL DEFAULT '',
    ADD COLUMN thumbnail       text,
    ADD COLUMN currency        text NOT NULL DEFAULT 'EUR',
    ADD COLUMN min_price_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN max_price_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN sales_start     timestamptz,
    ADD COLUMN sales_end       timestamptz;

CREATE TABLE category_view (
    event_id        text NOT NULL,
    category        text NOT NULL,
    price_minor     bigint NOT NULL,
    -- Order in the event's definition, the order of the seat map's categories.
    position        integer NOT NULL,
    total_seats     integer NOT NULL,
    available_seats integer NOT NULL,
    PRIMARY KEY (event_id, category)
);

ALTER TABLE seat_view
    ADD COLUMN section  text,
    ADD COLUMN "row"    text,
    ADD COLUMN number   integer,
    -- NULL, like position, only while a change has been projected before its EventCreated.
    ADD COLUMN category text;

UPDATE seat_view SET section = '', "row" = '', number = position + 1, category = 'standard'
WHERE position IS NOT NULL;

INSERT INTO category_view (event_id, category, price_minor, position, total_seats, available_seats)
SELECT event_id, 'standard', 0, 0, total_seats, available_seats FROM event_view;

ALTER TABLE booking_view
    ADD COLUMN quantity          integer,
    ADD COLUMN category          text,
    ADD COLUMN total_price_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN currency          text;

UPDATE booking_view SET quantity = cardinality(seat_ids), currency = 'EUR';
ALTER TABLE booking_view ALTER COLUMN quantity SET NOT NULL;
