import BookingDomain
import JSONBytes
import Postgres

extension BatchStore {
    /// Writes the cluster's transaction-log rows of a batch this node decided, in the batch's transaction: one LOCK row
    /// for the seats it locked, and one row per booking it changed.
    func logTransactions(
        of bookings: [Booking], lockedSeats: Int, commands: Int, nodeID: Int, on connection: PostgresConnection
    ) async throws {
        var types: [String] = []
        var descriptions: [String] = []
        var details: [String?] = []
        if lockedSeats > 0 {
            types.append("LOCK")
            descriptions.append("node \(nodeID) locked \(lockedSeats) seats for a batch of \(commands) commands")
            details.append(nil)
        }
        for booking in bookings {
            guard let (type, verb) = Self.action(of: booking) else { continue }
            let seats = booking.seatIDs.isEmpty ? "no seats" : booking.seatIDs.joined(separator: ", ")
            types.append(type)
            descriptions.append(
                "node \(nodeID) \(verb) \(seats) of \(booking.eventID) for booking \(booking.bookingID.uuidString.lowercased())"
                    + (booking.reason.map { " (\($0))" } ?? ""))
            var writer = JSONWriter(capacity: 160)
            writer.object { object in
                object.field("seat") { seat in
                    seat.object {
                        $0.field("eventId", booking.eventID)
                        $0.field("seatIds") { writer in writer.array(booking.seatIDs) { $0.string($1) } }
                        $0.field("status", booking.status.rawValue)
                        $0.field("bookingId", booking.bookingID.uuidString.lowercased())
                    }
                }
            }
            details.append(String(decoding: writer.bytes, as: UTF8.self))
        }
        guard !types.isEmpty else { return }
        _ = try await connection.query(
            """
            INSERT INTO cluster_transactions (node_id, action_type, description, detail)
            SELECT \(nodeID), t.action_type, t.description, t.detail
            FROM unnest(\(types)::text[], \(descriptions)::text[], \(details)::jsonb[]) AS t(action_type, description, detail)
            """)
    }

    /// Deletes all but the newest `rows` rows of the transaction log, as the leader of `fence`'s term; returns how many.
    public func trimTransactionLog(keeping rows: Int, fence: LeaderFence) async throws -> Int {
        try await database.withTransaction { connection in
            try await check(fence, on: connection)
            return try await connection.query(
                """
                DELETE FROM cluster_transactions
                WHERE transaction_id <= (SELECT max(transaction_id) FROM cluster_transactions) - \(rows)
                """
            ).rowsAffected
        }
    }

    /// The log's action type of a booking's new state and the verb that tells it; nil for a booking that only
    /// joined or left a waiting list, which changed no seat.
    private static func action(of booking: Booking) -> (String, String)? {
        switch booking.status {
        case .confirmed: booking.heldSince == nil ? ("BUY", "booked") : ("CONFIRM", "confirmed")
        case .held: ("HOLD", "held")
        case .expired, .cancelled: booking.seatIDs.isEmpty ? nil : ("RELEASE", "released")
        case .rejected: ("REJECT", "rejected")
        case .pending, .waiting: nil
        }
    }
}
