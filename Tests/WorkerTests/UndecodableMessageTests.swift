import BookingDomain
import Foundation
import Kafka
import Logging
import Postgres
import SeatlineTestSupport
import Testing

@testable import Worker

/// A message that is not a command, in front of a real one on the same partition: the stack's
/// worker records it and moves on, so the partition is never blocked.
@Suite struct UndecodableMessageTests {
    @Test func undecodableMessageIsRecordedAndSkipped() async throws {
        let database = PostgresClient(
            configuration: PostgresConfiguration(url: LocalStack.writeDatabaseURL), logger: Logger(label: "test"))
        let event = LocalStack.uniqueName("undecodable")
        let now = Date()
        let definition = EventDefinition(
            eventID: event, name: "Poison", date: "2027-01-01", venue: "Hall", seatIDs: ["A1"])
        _ = try await BatchStore(database: database).apply([
            BookingCommand(commandID: UUID(), acceptedAt: now, deadline: now, action: .createEvent(definition))
        ])

        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: LocalStack.kafkaBrokers),
            logger: Logger(label: "test"))
        let producing = Task { try await producer.run() }
        let book = BookingCommand(
            commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(120),
            action: .book(SeatRequest(userID: "after-poison", eventID: event, seatIDs: ["A1"])))
        let poison = Array("{\"not\": \"a command\", \"event\": \"\(event)\"}".utf8)
        let key = Array(book.partitionKey.utf8)
        let poisonReceipt = try await producer.send(topic: LocalStack.kafkaTopic, key: key, value: poison)
        _ = try await producer.send(topic: LocalStack.kafkaTopic, key: key, value: book.encoded())
        await producer.shutdown()
        producing.cancel()

        let status = try await eventually("the booking after the poison decided", every: .milliseconds(100)) {
            try await database.query("SELECT status FROM bookings WHERE booking_id = \(book.commandID)")
                .rows.first.map { try $0.decode(String.self, at: 0) }
        }
        #expect(status == "CONFIRMED")
        let recorded = try await database.query(
            """
            SELECT convert_from(payload, 'UTF8') FROM undecodable_commands
            WHERE topic = \(poisonReceipt.topic) AND partition = \(poisonReceipt.partition) AND "offset" = \(poisonReceipt.offset)
            """)
        #expect(try recorded.rows.first?.decode(String.self, at: 0) == String(decoding: poison, as: UTF8.self))
        await database.close()
    }
}
