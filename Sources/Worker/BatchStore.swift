public import BookingDomain
public import Foundation
public import Postgres

/// Applies a batch of commands to the write DB in one transaction: skips command ids applied before,
/// reads what the batch touches, lets the `SeatLedger` decide, then writes the seats (fenced by
/// version), the bookings, the journal entries and the applied command ids, and wakes the projector.
public struct BatchStore: Sendable {
    /// A Kafka message that is not a command: recorded so it is seen, and skipped so its partition moves on.
    public struct UndecodableMessage: Sendable {
        /// Its topic.
        public let topic: String
        /// Its partition.
        public let partition: Int32
        /// Its offset.
        public let offset: Int64
        /// Its bytes.
        public let payload: [UInt8]
        /// Why it could not be decoded.
        public let error: String

        /// Creates a record.
        public init(topic: String, partition: Int32, offset: Int64, payload: [UInt8], error: String) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.payload = payload
            self.error = error
        }
    }

    /// What a batch did.
    public struct Result: Sendable {
        /// The decision per command applied in this batch; commands applied before are absent.
        public var decisions: [UUID: SeatLedger.Decision] = [:]
        /// Commands skipped because an earlier transaction had applied them (redeliveries).
        public var duplicates = 0
        /// Holds this batch ended as EXPIRED.
        public var expiredHolds = 0
        /// Commands the write DB refused to apply, recorded in `undecodable_commands` instead.
        public var refused: [UUID] = []
    }

    /// Rows the batch read changed before it wrote: a stale writer was fenced off, and the batch must be
    /// decided again from a fresh read.
    public struct SeatVersionConflict: Error, CustomStringConvertible {
        /// What moved, without data.
        public let description: String

        init(expected: Int, written: Int) {
            description = "seat versions moved: \(written) of \(expected) fenced writes applied"
        }

        init(_ failure: PostgresError) {
            description = "rows read by the batch changed before it wrote (SQLSTATE \(failure.sqlState ?? "?"))"
        }
    }

    /// The term a singleton write must still hold when it commits.
    public struct LeaderFence: Sendable {
        /// The leading node.
        public var nodeID: Int
        /// Its term.
        public var term: Int64

        /// A fence of `nodeID`'s `term`.
        public init(nodeID: Int, term: Int64) {
            self.nodeID = nodeID
            self.term = term
        }
    }

    /// A singleton write refused because its leader's term is over; nothing was written.
    public struct LeaderFenced: Error, CustomStringConvertible {
        /// The term the write was fenced by.
        public let fence: LeaderFence

        /// Which term, without data.
        public var description: String { "term \(fence.term) of node \(fence.nodeID) is over" }
    }

    let database: PostgresClient
    /// The worker node deciding, which the transaction log and the bookings name; nil writes no log.
    let nodeID: Int?

    /// A store on the write DB, deciding as node `nodeID`.
    public init(database: PostgresClient, nodeID: Int? = nil) {
        self.database = database
        self.nodeID = nodeID
    }

    /// Decides and writes `commands`, in order, at instant `now`, all in one transaction.
    ///
    /// REPEATABLE READ, so the bookings and the seats the ledger decides on come from one snapshot. Under READ
    /// COMMITTED each read had its own: a transaction could read holds as still HELD, then read their seats as
    /// already released by another that committed in between, and release the same holds a second time (the seat
    /// fence could not see it, as the versions it read were current). Now a write to any row that changed after the
    /// snapshot fails, reported as a `SeatVersionConflict`, and the batch is decided again.
    ///
    /// A `fence` makes the batch a singleton write: it first reads the leadership row `FOR SHARE` and writes nothing
    /// unless the fence's term still leads, throwing `LeaderFenced`. The shared lock holds off a new leader's claim
    /// until this transaction ends, and a claim that committed after the snapshot fails the read, so no write of an
    /// old term commits after a new term began.
    public func apply(
        _ commands: [BookingCommand], undecodable: [UndecodableMessage] = [], now: Date = Date(),
        fence: LeaderFence? = nil
    ) async throws -> Result {
        do {
            return try await database.withTransaction(isolation: .repeatableRead) { connection in
                if let fence { try await check(fence, on: connection) }
                return try await apply(commands, undecodable: undecodable, now: now, on: connection)
            }
        } catch let failure as PostgresError where failure.isSerializationFailure {
            throw SeatVersionConflict(failure)
        }
    }

    /// Applies one command, decided again from a fresh read whenever a concurrent transaction moved one of its rows
    /// first.
    @discardableResult
    func applyRetryingConflicts(_ command: BookingCommand, now: Date, fence: LeaderFence? = nil) async throws -> Result
    {
        while true {
            do {
                return try await apply([command], now: now, fence: fence)
            } catch is SeatVersionConflict {
                continue
            }
        }
    }

    /// Throws `LeaderFenced` unless `fence`'s term leads, holding the leadership row until the transaction ends.
    func check(_ fence: LeaderFence, on connection: PostgresConnection) async throws {
        let leads = try await connection.query(
            "SELECT 1 FROM leadership WHERE term = \(fence.term) AND leader_id = \(fence.nodeID) FOR SHARE")
        guard leads.rows.count == 1 else { throw LeaderFenced(fence: fence) }
    }

    /// Applies `commands` as `apply` does; when the write DB refuses the batch for the data it carries, which every
    /// retry would meet again, decides the halves in turn, each in its own transaction and in order, down to the
    /// command it refuses. That one is recorded in `undecodable_commands` with the refusal (`poison` gives its Kafka
    /// message) instead of holding its partition for good. Halves already committed are skipped as duplicates when the
    /// caller retries after another failure.
    public func applyIsolatingRefusals(
        _ commands: [BookingCommand], undecodable: [UndecodableMessage] = [], now: Date = Date(),
        poison: (BookingCommand, String) -> UndecodableMessage
    ) async throws -> Result {
        do {
            return try await apply(commands, undecodable: undecodable, now: now)
        } catch let refusal as PostgresError where refusal.isRefusalOfTheData {
            guard commands.count > 1 else {
                let record = commands.map { poison($0, "the write DB refused it: \(refusal)") }
                var result = try await apply([], undecodable: undecodable + record, now: now)
                result.refused = commands.map(\.commandID)
                return result
            }
            let middle = commands.count / 2
            var result = try await applyIsolatingRefusals(
                Array(commands[..<middle]), undecodable: undecodable, now: now, poison: poison)
            let rest = try await applyIsolatingRefusals(Array(commands[middle...]), now: now, poison: poison)
            result.decisions.merge(rest.decisions) { first, _ in first }
            result.duplicates += rest.duplicates
            result.expiredHolds += rest.expiredHolds
            result.refused += rest.refused
            return result
        }
    }

    /// The same within a transaction the caller opened.
    public func apply(
        _ commands: [BookingCommand], undecodable: [UndecodableMessage], now: Date, on connection: PostgresConnection
    ) async throws -> Result {
        var result = Result()
        let fresh = try await recordCommandIDs(commands.map(\.commandID), on: connection)
        let pending = commands.filter { fresh.contains($0.commandID) }
        result.duplicates = commands.count - pending.count

        var freeSeatLimits = Self.initialFreeSeatLimits(for: pending)
        var ledger: SeatLedger
        repeat {
            ledger = try await readLedger(for: pending, now: now, freeSeatLimits: freeSeatLimits, on: connection)
            for command in pending {
                result.decisions[command.commandID] = ledger.apply(command, now: now)
            }
            // Rarely more than once: only when the first free seats in seat order could not settle a request
            // (fragmented front rows, a category far back). The same snapshot, so the decisions stay consistent.
            for eventID in ledger.eventsShortOfFreeSeats {
                freeSeatLimits[eventID, default: Self.minimumFreeSeatRead] *= 4
            }
        } while !ledger.eventsShortOfFreeSeats.isEmpty
        let bookingsWritten = try await write(ledger, on: connection)
        result.expiredHolds = bookingsWritten.filter { $0.status == .expired }.count
        if let nodeID {
            let locked = pending.reduce(0) { count, command in
                switch command.action {
                case .book(let request), .hold(let request, _): count + request.namedSeatIDs.count
                default: count
                }
            }
            try await logTransactions(
                of: bookingsWritten, lockedSeats: locked, commands: pending.count, nodeID: nodeID, on: connection)
        }
        try await record(undecodable, on: connection)
        if !ledger.journal.isEmpty {
            // Delivered at commit, so the projector never wakes before the entries are visible.
            _ = try await connection.query("SELECT pg_notify('journal', '')")
        }
        return result
    }

    /// Per event with best-available requests, how many of its free seats to read first: a few times what the
    /// requests ask for, since choosing side-by-side seats passes over gaps too small for them.
    static func initialFreeSeatLimits(for commands: [BookingCommand]) -> [String: Int] {
        var asked: [String: Int] = [:]
        for command in commands {
            switch command.action {
            case .book(let request), .hold(let request, _), .wait(let request, _):
                if case .bestAvailable(let best) = request.selection {
                    asked[request.eventID, default: 0] += best.quantity
                }
            default: break
            }
        }
        return asked.mapValues { max(minimumFreeSeatRead, 4 * $0) }
    }

    /// The fewest free seats read for an event whose seats the batch may choose.
    static let minimumFreeSeatRead = 256

    /// Inserts the command ids; returns those not recorded before. A redelivery racing its first
    /// delivery in another worker waits here for that transaction and then finds the id taken.
    private func recordCommandIDs(_ ids: [UUID], on connection: PostgresConnection) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            INSERT INTO processed_commands (command_id) SELECT unnest(\(ids)::uuid[])
            ON CONFLICT DO NOTHING RETURNING command_id
            """)
        return Set(try rows.map { try $0.decode(UUID.self, at: 0) })
    }

    /// Writes what `ledger` decided; returns the bookings written.
    @discardableResult
    func write(_ ledger: SeatLedger, on connection: PostgresConnection) async throws -> [Booking] {
        for event in ledger.createdEvents {
            try await insert(event, on: connection)
        }
        try await writeSeats(ledger.seatWrites, on: connection)
        if !ledger.waitlistTailWrites.isEmpty {
            let tails = ledger.waitlistTailWrites.sorted { $0.key < $1.key }
            _ = try await connection.query(
                """
                UPDATE events e SET waitlist_tail = t.tail
                FROM unnest(\(tails.map(\.key))::text[], \(tails.map(\.value))::bigint[]) AS t(event_id, tail)
                WHERE e.event_id = t.event_id
                """)
        }
        let bookings = ledger.bookingWrites
        try await writeBookings(bookings, on: connection)
        try await append(ledger.journal, on: connection)
        return bookings
    }

    private func insert(_ event: EventDefinition, on connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO events (
                event_id, name, date, venue, total_seats, description, thumbnail, currency, sales_start, sales_end)
            VALUES (
                \(event.eventID), \(event.name), \(event.date), \(event.venue), \(event.seats.count), \(event.description),
                \(event.thumbnail), \(event.currency.code), \(event.salesStart)::timestamptz, \(event.salesEnd)::timestamptz)
            """)
        _ = try await connection.query(
            """
            INSERT INTO event_categories (event_id, category, price_minor, position)
            SELECT \(event.eventID), category, price_minor, (position - 1)::integer
            FROM unnest(\(event.categories.map(\.name))::text[], \(event.categories.map(\.priceMinor))::bigint[])
                 WITH ORDINALITY AS c(category, price_minor, position)
            """)
        let seats = event.seats
        let places = SeatPlace.places(of: seats)
        _ = try await connection.query(
            """
            INSERT INTO seats (event_id, seat_id, position, section, "row", row_index, number, category)
            SELECT \(event.eventID), seat_id, position, section, "row", row_index, number, category
            FROM unnest(\(seats.map(\.seatID))::text[], \(seats.map(\.section))::text[], \(seats.map(\.row))::text[],
                        \(places.map(\.rowIndex))::integer[], \(seats.map(\.number))::integer[],
                        \(seats.map(\.category))::text[])
                 WITH ORDINALITY AS s(seat_id, section, "row", row_index, number, category, position)
            """)
    }

    private func writeSeats(_ writes: [SeatLedger.SeatWrite], on connection: PostgresConnection) async throws {
        guard !writes.isEmpty else { return }
        let updated = try await connection.query(
            """
            UPDATE seats AS s
            SET status = w.status, booking_id = w.booking_id, user_id = w.user_id, held_until = w.held_until, version = w.version
            FROM unnest(\(writes.map(\.key.eventID))::text[], \(writes.map(\.key.seatID))::text[],
                        \(writes.map(\.seat.status.rawValue))::text[], \(writes.map(\.seat.bookingID))::uuid[],
                        \(writes.map(\.seat.userID))::text[], \(writes.map(\.seat.heldUntil))::timestamptz[],
                        \(writes.map(\.expectedVersion))::bigint[], \(writes.map(\.seat.version))::bigint[])
                 AS w(event_id, seat_id, status, booking_id, user_id, held_until, expected_version, version)
            WHERE s.event_id = w.event_id AND s.seat_id = w.seat_id AND s.version = w.expected_version
            """)
        guard updated.rowsAffected == writes.count else {
            throw SeatVersionConflict(expected: writes.count, written: updated.rowsAffected)
        }
    }

    private func writeBookings(_ bookings: [Booking], on connection: PostgresConnection) async throws {
        guard !bookings.isEmpty else { return }
        // Seat lists differ in length, so each travels as a JSON array inside one text[] parameter.
        let encoder = JSONEncoder()
        let seatLists = try bookings.map { String(decoding: try encoder.encode($0.seatIDs), as: UTF8.self) }
        _ = try await connection.query(
            """
            INSERT INTO bookings (
                booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at, quantity,
                category, total_price_minor, currency, held_since, offer_seconds, waitlist_position, decided_by_node)
            SELECT b.booking_id, b.event_id, b.user_id, ARRAY(SELECT jsonb_array_elements_text(b.seat_ids)), b.status,
                   b.reason, b.held_until, b.created_at, b.updated_at, b.quantity, b.category, b.total_price_minor,
                   b.currency, b.held_since, b.offer_seconds, b.waitlist_position, \(nodeID)::integer
            FROM unnest(\(bookings.map(\.bookingID))::uuid[], \(bookings.map(\.eventID))::text[],
                        \(bookings.map(\.userID))::text[], \(seatLists)::jsonb[], \(bookings.map(\.status.rawValue))::text[],
                        \(bookings.map(\.reason))::text[], \(bookings.map(\.heldUntil))::timestamptz[],
                        \(bookings.map(\.createdAt))::timestamptz[], \(bookings.map(\.updatedAt))::timestamptz[],
                        \(bookings.map(\.quantity))::integer[], \(bookings.map(\.category))::text[],
                        \(bookings.map(\.totalPriceMinor))::bigint[], \(bookings.map(\.currency))::text[],
                        \(bookings.map(\.heldSince))::timestamptz[], \(bookings.map(\.offerSeconds))::integer[],
                        \(bookings.map(\.waitlistPosition))::bigint[])
                 AS b(booking_id, event_id, user_id, seat_ids, status, reason, held_until, created_at, updated_at,
                      quantity, category, total_price_minor, currency, held_since, offer_seconds, waitlist_position)
            ON CONFLICT (booking_id) DO UPDATE
            SET status = EXCLUDED.status, reason = EXCLUDED.reason, held_until = EXCLUDED.held_until,
                updated_at = EXCLUDED.updated_at, seat_ids = EXCLUDED.seat_ids,
                total_price_minor = EXCLUDED.total_price_minor, held_since = EXCLUDED.held_since,
                decided_by_node = EXCLUDED.decided_by_node
            """)
    }

    /// Appends the entries with contiguous versions per stream. Streams are bumped in sorted order so
    /// two batches touching the same streams lock them in the same order.
    private func append(_ entries: [JournalEntry], on connection: PostgresConnection) async throws {
        guard !entries.isEmpty else { return }
        var counts: [String: Int64] = [:]
        for entry in entries { counts[entry.streamID, default: 0] += 1 }
        let streams = counts.keys.sorted()
        let bumped = try await connection.query(
            """
            INSERT INTO journal_streams (stream_id, version)
            SELECT * FROM unnest(\(streams)::text[], \(streams.map { counts[$0]! })::bigint[])
            ON CONFLICT (stream_id) DO UPDATE SET version = journal_streams.version + EXCLUDED.version
            RETURNING stream_id, version
            """)
        var nextVersion: [String: Int64] = [:]
        for row in bumped {
            let stream = try row.decode(String.self, at: 0)
            nextVersion[stream] = try row.decode(Int64.self, at: 1) - counts[stream]! + 1
        }
        var versions: [Int64] = []
        versions.reserveCapacity(entries.count)
        for entry in entries {
            versions.append(nextVersion[entry.streamID]!)
            nextVersion[entry.streamID]! += 1
        }
        _ = try await connection.query(
            """
            INSERT INTO journal (stream_id, stream_version, entry_type, payload)
            SELECT * FROM unnest(\(entries.map(\.streamID))::text[], \(versions)::bigint[],
                                 \(entries.map(\.typeName))::text[], \(try entries.map { try $0.encodedPayload() })::jsonb[])
            """)
    }

    private func record(_ messages: [UndecodableMessage], on connection: PostgresConnection) async throws {
        for message in messages {
            let hex = message.payload.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            _ = try await connection.query(
                """
                INSERT INTO undecodable_commands (topic, partition, "offset", payload, error)
                VALUES (\(message.topic), \(message.partition), \(message.offset), decode(\(hex), 'hex'), \(message.error))
                ON CONFLICT DO NOTHING
                """)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
