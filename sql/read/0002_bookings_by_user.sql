-- A user's bookings, newest first, paged by (created_at, booking_id): GET /api/me/bookings.
CREATE INDEX booking_view_by_user ON booking_view (user_id, created_at DESC, booking_id DESC);
