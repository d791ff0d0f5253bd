import BookingDomain
import Foundation
import Logging
import Postgres
import Redis
import SeatlineTestSupport
import Testing

@testable import Worker

/// The worker's write path against the real write DB and Redis of the local stack.
@Suite struct BatchStoreTests {
    let database: PostgresClient
    let store: BatchStore
    let event = "worker-test-\(UUID().uuidString.lowercased())"

    init() {
        database = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: Logger(label: "test"))
        store = BatchStore(database: database)
    }

    func command(_ action: BookingCommand.Action, id: UUID = UUID()) -> BookingCommand {
        let now = Date()
        return BookingCommand(commandID: id, acceptedAt: now, deadline: now.addingTimeInterval(60), action: action)
    }

    func book(_ user: String, _ seats: [String]) -> BookingCommand {
        command(.book(SeatRequest(userID: user, eventID: event, seatIDs: seats)))
    }

    func createEvent(seats: [String]) async throws {
        let definition = EventDefinition(
            eventID: event, name: "Test", date: "2027-01-01", venue: "Hall", seatIDs: seats)
        _ = try await store.apply([command(.createEvent(definition))])
    }

    func seatOwners() async throws -> [String: String] {
        let rows = try await database.query(
            "SELECT seat_id, COALESCE(user_id, '') FROM seats WHERE event_id = \(event) AND status <> 'available'")
        return Dictionary(
            uniqueKeysWithValues: try rows.map {
                (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1))
            })
    }

    func journalCount() async throws -> Int {
        try await database.query("SELECT count(*) FROM journal WHERE stream_id = \(event)").rows[0].decode(
            Int.self, at: 0)
    }

    /// In a write model of its own: the entry it writes beside the worker must not reach the stack's projector.
    @Test func aCommandTheWriteDBRefusesIsSetAsideAndTheOthersAreDecided() async throws {
        try await LocalStack.withScratchWriteModel(logger: Logger(label: "test")) { database in
            let store = BatchStore(database: database)
            let definition = EventDefinition(
                eventID: event, name: "Test", date: "2027-01-01", venue: "Hall", seatIDs: ["A1", "A2"])
            _ = try await store.apply([command(.createEvent(definition))])
            // A journal entry written beside the worker, so the worker's own first entry of that stream collides
            // with it at version 1 however often it is retried.
            let poisoned = "poisoned-\(UUID().uuidString.lowercased())"
            _ = try await database.query(
                """
                INSERT INTO journal (stream_id, stream_version, entry_type, payload)
                VALUES (\(poisoned), 1, 'BookingRejected', '{}'::jsonb)
                """)
            let before = book("ann", ["A1"])
            let refused = command(.book(SeatRequest(userID: "eve", eventID: poisoned, seatIDs: ["1"])))
            let after = book("bob", ["A2"])
            let batch = [before, refused, after]
            await #expect(throws: PostgresError.self) { try await store.apply(batch) }

            func setAside(_ command: BookingCommand, _ error: String) -> BatchStore.UndecodableMessage {
                BatchStore.UndecodableMessage(
                    topic: "batch-store-tests", partition: 0, offset: 7, payload: command.encoded(), error: error)
            }
            let result = try await store.applyIsolatingRefusals(batch, poison: setAside)
            #expect(result.decisions[before.commandID] == .applied(.confirmed))
            #expect(result.decisions[after.commandID] == .applied(.confirmed))
            #expect(result.refused == [refused.commandID])
            let owners = try await database.query(
                "SELECT seat_id, user_id FROM seats WHERE event_id = \(event) AND status = 'booked' ORDER BY seat_id")
            #expect(try owners.map { try $0.decode(String.self, at: 1) } == ["ann", "bob"])
            let recorded = try await database.query("SELECT error FROM undecodable_commands WHERE \"offset\" = 7")
            #expect(try recorded.rows.first?.decode(String.self, at: 0).contains("23505") == true)
            // Delivered again, the decided ones are duplicates and the refused one is set aside once more.
            let again = try await store.applyIsolatingRefusals(batch, poison: setAside)
            #expect(again.duplicates == 2)
            #expect(again.refused == [refused.commandID])
        }
    }

    @Test func multiSeatRequestOverlappingATakenSeatChangesNothing() async throws {
        try await createEvent(seats: ["A1", "A2", "A3"])
        let first = book("ann", ["A2"])
        let overlapping = book("bob", ["A1", "A2", "A3"])
        let result = try await store.apply([first, overlapping])
        #expect(result.decisions[first.commandID] == .applied(.confirmed))
        #expect(result.decisions[overlapping.commandID] == .rejected(.seatTaken))
        #expect(try await seatOwners() == ["A2": "ann"])
        let status = try await database.query(
            "SELECT status, reason FROM bookings WHERE booking_id = \(overlapping.commandID)")
        #expect(try status.rows[0].decode(String.self, at: 0) == "REJECTED")
        #expect(try status.rows[0].decode(String.self, at: 1) == "seat_taken")
    }

    @Test func redeliveredCommandsHaveNoSecondEffect() async throws {
        try await createEvent(seats: ["A1", "A2"])
        let batch = [book("ann", ["A1"]), book("bob", ["A1"]), book("cid", ["A2"])]
        let first = try await store.apply(batch)
        #expect(first.decisions.count == 3)
        let entries = try await journalCount()
        let replay = try await store.apply(batch)
        #expect(replay.decisions.isEmpty)
        #expect(replay.duplicates == 3)
        #expect(try await journalCount() == entries)
        #expect(try await seatOwners() == ["A1": "ann", "A2": "cid"])
    }

    @Test func journalVersionsAreContiguousPerStream() async throws {
        try await createEvent(seats: ["A1", "A2", "A3"])
        _ = try await store.apply([book("ann", ["A1"]), book("bob", ["A1"])])
        _ = try await store.apply([book("cid", ["A2", "A3"])])
        let rows = try await database.query(
            "SELECT stream_version FROM journal WHERE stream_id = \(event) ORDER BY stream_version")
        #expect(try rows.map { try $0.decode(Int64.self, at: 0) } == Array(1...4))
    }

    /// A worker whose lock expired while it was paused between its read and its write: another
    /// worker takes the lock and books the seat; the paused one's write is refused by PostgreSQL,
    /// and its lock release leaves the new owner's lock alone.
    @Test func staleWriterIsFencedOff() async throws {
        try await createEvent(seats: ["A1"])
        let redis = RedisClient(
            configuration: try RedisConfiguration(url: LocalStack.redisURL),
            logger: Logger(label: "test"))
        defer { redis.close() }
        let seat = SeatKey(eventID: event, seatID: "A1")
        let pausedLocks = SeatLocks(
            redis: redis, timeToLive: .milliseconds(100), maxWait: .zero, logger: Logger(label: "paused"))
        let activeLocks = SeatLocks(
            redis: redis, timeToLive: .seconds(10), maxWait: .seconds(5), logger: Logger(label: "active"))

        let pausedLock = await pausedLocks.acquire([seat])
        #expect(pausedLock.keys.count == 1)
        let paused = book("paused", ["A1"])
        var staleLedger = try await database.withConnection { connection in
            try await store.readLedger(for: [paused], now: Date(), freeSeatLimits: [:], on: connection)
        }
        #expect(staleLedger.apply(paused, now: Date()) == .applied(.confirmed))

        // The paused worker's lock runs out; the active worker waits for it, then books.
        let activeLock = await activeLocks.acquire([seat])
        #expect(activeLock.keys.count == 1)
        let active = book("active", ["A1"])
        #expect(try await store.apply([active]).decisions[active.commandID] == .applied(.confirmed))

        await #expect(throws: BatchStore.SeatVersionConflict.self) {
            try await database.withTransaction { connection in try await store.write(staleLedger, on: connection) }
        }
        await pausedLocks.release(pausedLock)
        #expect(try await redis.send(["GET", activeLock.keys[0]]) == .string(activeLock.token))
        await activeLocks.release(activeLock)
        #expect(try await seatOwners() == ["A1": "active"])

        // Decided again from a fresh read, the paused worker's command is rejected, not lost.
        #expect(try await store.apply([paused]).decisions[paused.commandID] == .rejected(.seatTaken))
    }

    @Test func holdsExpireThroughTheFencedPath() async throws {
        try await createEvent(seats: ["A1", "A2"])
        let hold = command(.hold(SeatRequest(userID: "ann", eventID: event, seatIDs: ["A1", "A2"]), holdSeconds: 1))
        #expect(try await store.apply([hold]).decisions[hold.commandID] == .applied(.held))
        let later = Date().addingTimeInterval(2)
        let sweep = BookingCommand(commandID: UUID(), acceptedAt: later, deadline: later, action: .expireHolds)
        // Expiry is global: other tests' holds end too, so a concurrent write may fence this one off.
        try await store.applyRetryingConflicts(sweep, now: later)
        #expect(try await seatOwners().isEmpty)
        let status = try await database.query("SELECT status FROM bookings WHERE booking_id = \(hold.commandID)")
        #expect(try status.rows[0].decode(String.self, at: 0) == "EXPIRED")
    }
}
