public import Foundation
import Logging
import Postgres

/// The end-of-run checks of a booking scenario: confirmed bookings, seats booked in the write DB
/// and seats booked in the read view all agree, and no seat is held by two confirmed bookings.
public struct Verification: Codable, Sendable {
    /// Bookings the read API reported CONFIRMED (one seat each).
    public let confirmedBookings: Int
    /// Seats with status booked in the write DB.
    public let writeBookedSeats: Int
    /// Seats with status booked in the read view.
    public let readBookedSeats: Int
    /// The events' `booked_seats` counters in the read view.
    public let readBookedCounter: Int
    /// Seats that two or more confirmed bookings claim.
    public let doubleBookedSeats: Int
    /// When the worker decided the run's last booking, by the write DB.
    public let lastDecisionAt: Date?

    /// True when everything agrees and nothing is booked twice.
    public var passed: Bool {
        doubleBookedSeats == 0 && confirmedBookings == writeBookedSeats && writeBookedSeats == readBookedSeats
            && readBookedSeats == readBookedCounter
    }

    var summary: String {
        "verification \(passed ? "PASSED" : "FAILED"): confirmed=\(confirmedBookings) write-booked=\(writeBookedSeats) "
            + "read-booked=\(readBookedSeats) read-counter=\(readBookedCounter) doubles=\(doubleBookedSeats)"
    }

    static func check(
        eventIDs: [String], confirmedBookings: Int, options: LoadOptions, logger: Logger
    ) async throws -> Verification {
        let write = PostgresClient(configuration: PostgresConfiguration(url: options.writeDatabaseURL), logger: logger)
        let read = PostgresClient(configuration: PostgresConfiguration(url: options.readDatabaseURL), logger: logger)
        defer {
            Task {
                await write.close()
                await read.close()
            }
        }
        let writeBooked = try await write.query(
            "SELECT count(*) FROM seats WHERE event_id = ANY(\(eventIDs)::text[]) AND status = 'booked'"
        ).rows[0].decode(Int.self, at: 0)
        let doubles = try await write.query(
            """
            SELECT count(*) FROM (
                SELECT b.event_id, seat FROM bookings b, unnest(b.seat_ids) AS seat
                WHERE b.event_id = ANY(\(eventIDs)::text[]) AND b.status = 'CONFIRMED'
                GROUP BY b.event_id, seat HAVING count(*) > 1) AS doubled
            """
        ).rows[0].decode(Int.self, at: 0)
        let lastDecision = try await write.query(
            "SELECT max(updated_at) FROM bookings WHERE event_id = ANY(\(eventIDs)::text[])"
        ).rows[0].decode(Date?.self, at: 0)
        let readBooked = try await read.query(
            "SELECT count(*) FROM seat_view WHERE event_id = ANY(\(eventIDs)::text[]) AND status = 'booked'"
        ).rows[0].decode(Int.self, at: 0)
        let counter = try await read.query(
            "SELECT COALESCE(sum(booked_seats), 0)::bigint FROM event_view WHERE event_id = ANY(\(eventIDs)::text[])"
        ).rows[0].decode(Int.self, at: 0)
        return Verification(
            confirmedBookings: confirmedBookings, writeBookedSeats: writeBooked, readBookedSeats: readBooked,
            readBookedCounter: counter, doubleBookedSeats: doubles, lastDecisionAt: lastDecision)
    }
}
