public import Foundation
import Logging
import Postgres

/// The end-of-run checks of a booking scenario: the seats booked in the write DB are the seats of its confirmed
/// bookings, the read view agrees, no seat is held by two confirmed bookings, and the bookings the run saw confirmed
/// account for every booked seat but those of requests whose answer left their outcome unknown.
public struct Verification: Codable, Sendable {
    /// Bookings the read API reported CONFIRMED (one seat each).
    public let confirmedBookings: Int
    /// Requests whose answer left it open whether they took effect (`LoadReport.unknownAnswers`).
    public let unknownAnswers: Int
    /// Seats with status booked in the write DB.
    public let writeBookedSeats: Int
    /// Seats of the write DB's CONFIRMED bookings.
    public let writeConfirmedSeats: Int
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
        doubleBookedSeats == 0 && writeBookedSeats == writeConfirmedSeats && writeBookedSeats == readBookedSeats
            && readBookedSeats == readBookedCounter
            && (confirmedBookings...(confirmedBookings + unknownAnswers)).contains(writeBookedSeats)
    }

    var summary: String {
        "verification \(passed ? "PASSED" : "FAILED"): confirmed=\(confirmedBookings) unknown=\(unknownAnswers) "
            + "write-booked=\(writeBookedSeats) write-confirmed=\(writeConfirmedSeats) read-booked=\(readBookedSeats) "
            + "read-counter=\(readBookedCounter) doubles=\(doubleBookedSeats)"
    }

    static func check(
        eventIDs: [String], confirmedBookings: Int, unknownAnswers: Int, options: LoadOptions, logger: Logger
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
        let writeConfirmed = try await write.query(
            """
            SELECT COALESCE(sum(cardinality(seat_ids)), 0)::bigint FROM bookings
            WHERE event_id = ANY(\(eventIDs)::text[]) AND status = 'CONFIRMED'
            """
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
            confirmedBookings: confirmedBookings, unknownAnswers: unknownAnswers, writeBookedSeats: writeBooked,
            writeConfirmedSeats: writeConfirmed, readBookedSeats: readBooked, readBookedCounter: counter,
            doubleBookedSeats: doubles, lastDecisionAt: lastDecision)
    }
}
