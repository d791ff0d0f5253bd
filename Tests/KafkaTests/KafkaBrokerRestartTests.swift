import Foundation
import Kafka
import SeatlineTestSupport
import Testing

/// Stops and restarts the local stack's broker; runs apart from the other tests.
@Suite("Kafka broker restart", .serialized, .tags(.restartsServers))
struct KafkaBrokerRestartTests {
    @Test("a send fails with brokerUnreachable while the broker is down and works again after it restarts")
    func sendSurvivesBrokerRestart() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 1)
        let deliveryTimeout = Duration.seconds(3)
        try await KafkaTestEnvironment.withProducer(deliveryTimeout: deliveryTimeout) { producer in
            _ = try await producer.send(topic: topic, key: "before".bytes, value: "before".bytes)
            #expect(await producer.isReachable(topic: topic, timeout: .seconds(2)))

            try await LocalStack.stack("stop", "kafka")
            // Nothing between stop and start throws, so the broker is always started again.
            let started = ContinuousClock.now
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(topic: topic, key: "down".bytes, value: "down".bytes)
            }
            #expect(error?.code == .brokerUnreachable)
            #expect(error?.possiblyPersisted == false, "no broker ever took the message")
            // Generous bound: the guarantee is deliveryTimeout plus librdkafka's one-second timeout scan.
            #expect(started.duration(to: .now) < deliveryTimeout * 3)
            #expect(await producer.isReachable(topic: topic, timeout: .seconds(1)) == false)
            try await LocalStack.stack("start", "kafka")

            // The broker keeps topics in memory only, so the topic is gone with the old process.
            _ = try await KafkaTestEnvironment.createTopic(named: topic, partitions: 1)
            let receipt = await Self.sendUntilDelivered(topic: topic, value: "after", with: producer)
            #expect(receipt?.topic == topic)
        }
    }

    /// The broker frozen with SIGSTOP takes the request into its socket and never answers: the send fails, but
    /// the message may be stored once the broker runs again, so the error must not claim it was not sent.
    @Test("a send the frozen broker never answered fails as possibly persisted")
    func frozenBrokerLeavesTheOutcomeUnknown() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 1)
        try await KafkaTestEnvironment.withProducer(deliveryTimeout: .seconds(3)) { producer in
            _ = try await producer.send(topic: topic, key: "before".bytes, value: "before".bytes)
            let broker = try #require(LocalStack.pid(of: "kafka"))
            kill(broker, SIGSTOP)
            defer { kill(broker, SIGCONT) }
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(topic: topic, key: "frozen".bytes, value: "frozen".bytes)
            }
            #expect(error?.code == .brokerUnreachable)
            #expect(error?.possiblyPersisted == true)
        }
        let consumer = try KafkaTestEnvironment.makeConsumer(group: LocalStack.uniqueName("frozen"), topic: topic)
        let stored = try await KafkaTestEnvironment.pollMessages(from: consumer, count: 1)
        await consumer.close()
        print("frozen broker: stored \(stored.map { String(decoding: $0.value, as: UTF8.self) })")
    }

    private static func sendUntilDelivered(
        topic: String,
        value: String,
        with producer: KafkaProducer
    ) async -> KafkaDeliveryReceipt? {
        for _ in 0..<10 {
            if let receipt = try? await producer.send(topic: topic, key: value.bytes, value: value.bytes) {
                return receipt
            }
        }
        return nil
    }
}
