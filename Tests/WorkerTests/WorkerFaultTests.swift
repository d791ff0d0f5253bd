import BookingDomain
import Foundation
import Kafka
import Logging
import Postgres
import SeatlineTestSupport
import Testing

@testable import Worker

/// Two workers in the group with the stack's own: a second worker process joins during the load,
/// is paused with SIGSTOP past its lock TTL and its group session (so the group rebalances away
/// from it), resumes, and is finally killed with SIGKILL. Every command must still end in exactly
/// one booking and no seat may be taken twice.
@Suite(.serialized) struct WorkerFaultTests {
    var database: PostgresClient {
        PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: Logger(label: "test"))
    }

    @Test func pausedAndKilledWorkerLosesNothingAndDoublesNothing() async throws {
        let database = self.database
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: LocalStack.kafkaBrokers),
            logger: Logger(label: "test"))
        let producing = Task { try await producer.run() }
        defer { producing.cancel() }
        let topic = LocalStack.kafkaTopic

        // Six events so the commands spread over the topic's partitions and both workers get some.
        let run = UUID().uuidString.prefix(8).lowercased()
        let events = (0..<6).map { "fault-\(run)-\($0)" }
        let seats = (1...20).map { "S\($0)" }
        try await Self.createEvents(events, seats: seats, on: database)

        func publish(_ count: Int, from start: Int) async throws -> [UUID] {
            try await withThrowingTaskGroup(of: UUID.self) { group in
                for index in start..<(start + count) {
                    group.addTask {
                        let now = Date()
                        let request = SeatRequest(
                            userID: "fan-\(index)", eventID: events[index % events.count],
                            seatIDs: [seats[(index / events.count) % seats.count]])
                        let command = BookingCommand(
                            commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(600),
                            action: .book(request))
                        _ = try await producer.send(
                            topic: topic, key: Array(command.partitionKey.utf8), value: command.encoded())
                        return command.commandID
                    }
                }
                return try await group.reduce(into: [UUID]()) { $0.append($1) }
            }
        }

        let second = try LocalStack.startExtra("worker")
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        try await Task.sleep(for: .seconds(4))  // let it join the group
        var ids = try await publish(300, from: 0)

        kill(second.processIdentifier, SIGSTOP)
        ids += try await publish(300, from: 300)
        // Longer than the seat-lock TTL (5 s) and the group session (6 s): the group moves on without it.
        try await Task.sleep(for: .seconds(8))
        kill(second.processIdentifier, SIGCONT)
        ids += try await publish(300, from: 600)
        try await Task.sleep(for: .seconds(1))
        kill(second.processIdentifier, SIGKILL)
        second.waitUntilExit()

        let total = ids.count
        let decided = try await eventually("every command decided", within: 120, every: .milliseconds(200)) {
            let count = try await database.query(
                "SELECT count(*) FROM bookings WHERE booking_id = ANY(\(ids)::uuid[])"
            ).rows[0].decode(Int.self, at: 0)
            return count == total ? count : nil
        }
        #expect(decided == 900)

        let perEvent = try await database.query(
            """
            SELECT b.event_id, count(*) FILTER (WHERE b.status = 'CONFIRMED'),
                   (SELECT count(*) FROM seats s WHERE s.event_id = b.event_id AND s.status = 'booked')
            FROM bookings b WHERE b.booking_id = ANY(\(ids)::uuid[]) GROUP BY b.event_id
            """)
        for row in perEvent {
            // 150 requests per event for 20 seats: every seat sold once, to exactly one confirmed booking.
            #expect(try row.decode(Int.self, at: 1) == seats.count)
            #expect(try row.decode(Int.self, at: 2) == seats.count)
        }
        let mismatched = try await database.query(
            """
            SELECT count(*) FROM seats s JOIN bookings b ON b.booking_id = s.booking_id
            WHERE s.event_id = ANY(\(events)::text[]) AND (b.status <> 'CONFIRMED' OR s.user_id <> b.user_id)
            """)
        #expect(try mismatched.rows[0].decode(Int.self, at: 0) == 0)
        await database.close()
        await producer.shutdown()
    }

    static func createEvents(_ events: [String], seats: [String], on database: PostgresClient) async throws {
        let now = Date()
        let commands = events.map {
            BookingCommand(
                commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(60),
                action: .createEvent(
                    EventDefinition(eventID: $0, name: "Fault", date: "2027-01-01", venue: "Hall", seatIDs: seats)))
        }
        _ = try await BatchStore(database: database).apply(commands)
    }
}
