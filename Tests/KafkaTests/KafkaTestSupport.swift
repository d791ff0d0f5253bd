import Foundation
import Kafka
import Logging
import SeatlineTestSupport
import Testing

/// The local stack as these tests see it: endpoints from the environment, with the stack's defaults.
enum KafkaTestEnvironment {
    static let brokers = LocalStack.kafkaBrokers

    /// The Tansu binary `deploy/stack install` puts in the stack's cache.
    static let tansu: URL = {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["SEATLINE_CACHE"] {
            return URL(fileURLWithPath: cache).appendingPathComponent("tansu")
        }
        let base = environment["XDG_CACHE_HOME"] ?? "\(environment["HOME"] ?? "/root")/.cache"
        return URL(fileURLWithPath: base).appendingPathComponent("seatline/tansu")
    }()

    static var logger: Logger {
        var logger = Logger(label: "seatline.kafka.tests")
        logger.logLevel = .notice
        return logger
    }

    /// Creates a fresh topic on the broker and returns its name.
    static func createTopic(named name: String = LocalStack.uniqueName("topic"), partitions: Int) async throws -> String
    {
        try await LocalStack.run(
            tansu,
            ["topic", "create", name, "--broker", "tcp://\(brokers)", "--partitions", "\(partitions)"]
        )
        return name
    }

    /// Runs `body` with a producer whose poll loop runs alongside; shuts the producer down afterwards.
    static func withProducer<Result: Sendable>(
        deliveryTimeout: Duration = .seconds(5),
        _ body: (KafkaProducer) async throws -> Result
    ) async throws -> Result {
        var configuration = KafkaProducerConfiguration(bootstrapServers: brokers)
        configuration.deliveryTimeout = deliveryTimeout
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            let result: Result
            do {
                result = try await body(producer)
            } catch {
                await producer.shutdown()
                throw error
            }
            await producer.shutdown()
            try await group.waitForAll()
            return result
        }
    }

    static func makeConsumer(group: String, topic: String) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: brokers, groupID: group, topics: [topic]),
            logger: logger
        )
    }

    /// Polls until `isDone` holds for the events seen so far; gives up (and fails the test) after `limit`.
    static func pollEvents(
        from consumer: KafkaConsumer,
        limit: Duration = .seconds(60),
        until isDone: ([KafkaConsumerEvent]) -> Bool
    ) async throws -> [KafkaConsumerEvent] {
        var events: [KafkaConsumerEvent] = []
        let deadline = ContinuousClock.now.advanced(by: limit)
        while !isDone(events) {
            try #require(ContinuousClock.now < deadline, "gave up waiting for consumer events")
            events += try await consumer.poll(maxCount: 100, maxWait: .milliseconds(500))
        }
        return events
    }

    /// Polls until `count` messages arrived; returns just the messages.
    static func pollMessages(from consumer: KafkaConsumer, count: Int) async throws -> [KafkaConsumerMessage] {
        try await pollEvents(from: consumer) { $0.messages.count >= count }.messages
    }
}

extension [KafkaConsumerEvent] {
    var messages: [KafkaConsumerMessage] {
        compactMap { event in
            if case .message(let message) = event { message } else { nil }
        }
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension KafkaConsumerMessage {
    var valueText: String { String(decoding: value, as: UTF8.self) }
    var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
