import SeatlineTestSupport
import Testing

@testable import Kafka

/// Producer and consumer against the local stack's real broker; every test uses its own topic and group.
@Suite("Kafka producer and consumer")
struct KafkaClientTests {
    @Test("messages sent with keys are all consumed by a group, in order per key")
    func produceThenConsume() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 3)
        let keys = (0..<5).map { "key-\($0)" }
        let perKey = 6
        let receipts = try await KafkaTestEnvironment.withProducer { producer in
            try await withThrowingTaskGroup(of: [KafkaDeliveryReceipt].self) { group in
                for key in keys {
                    group.addTask {
                        var receipts: [KafkaDeliveryReceipt] = []
                        for index in 0..<perKey {
                            let value = "\(key)/\(index)"
                            receipts.append(try await producer.send(topic: topic, key: key.bytes, value: value.bytes))
                        }
                        return receipts
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(receipts.count == keys.count * perKey)
        #expect(receipts.allSatisfy { $0.topic == topic && (0..<3).contains($0.partition) && $0.offset >= 0 })

        let group = LocalStack.uniqueName("group")
        let consumer = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let messages = try await KafkaTestEnvironment.pollMessages(from: consumer, count: receipts.count)
        try await consumer.commit(messages)
        await consumer.close()

        #expect(messages.count == receipts.count)
        for key in keys {
            let values = messages.filter { $0.keyText == key }.map(\.valueText)
            #expect(values == (0..<perKey).map { "\(key)/\($0)" })
            #expect(Set(messages.filter { $0.keyText == key }.map(\.partition)).count == 1)
        }
    }

    @Test("after a fatal error (sequence numbers refused) the producer starts a new client and sends again")
    func producerRecoversFromFatalError() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 1)
        try await KafkaTestEnvironment.withProducer { producer in
            _ = try await producer.send(topic: topic, key: "k".bytes, value: "before".bytes)
            producer.raiseFatalErrorForTesting()
            var failures = 0
            var receipt: KafkaDeliveryReceipt?
            // Sends fail fast while the fatal client is in place; the poll loop swaps it within its 100 ms turn.
            while receipt == nil, failures < 20 {
                do {
                    receipt = try await producer.send(topic: topic, key: "k".bytes, value: "after".bytes)
                } catch {
                    failures += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(receipt?.topic == topic)
        }
    }

    @Test("offsets move only when the consumer commits")
    func offsetsCommittedOnlyWhenTold() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 3)
        let group = LocalStack.uniqueName("group")
        let keys = (0..<3).map { "key-\($0)" }
        let earlier = keys.flatMap { key in (0..<2).map { "\(key)/earlier-\($0)" } }
        try await send(earlier, to: topic)

        let first = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let uncommitted = try await KafkaTestEnvironment.pollMessages(from: first, count: earlier.count)
        await first.close()
        #expect(Set(uncommitted.map(\.valueText)) == Set(earlier))

        let second = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let redelivered = try await KafkaTestEnvironment.pollMessages(from: second, count: earlier.count)
        try await second.commit(redelivered)
        await second.close()
        #expect(Set(redelivered.map(\.valueText)) == Set(earlier))
        #expect(Set(redelivered.map(\.offset)) == Set(uncommitted.map(\.offset)))

        // Same keys, so every partition that held an earlier message gets a later one behind it: a redelivered
        // earlier message would arrive before the later ones.
        let later = keys.map { "\($0)/later" }
        try await send(later, to: topic)
        let third = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let afterCommit = try await KafkaTestEnvironment.pollMessages(from: third, count: later.count)
        await third.close()
        #expect(afterCommit.map(\.valueText).sorted() == later.sorted())
    }

    @Test("a second member joining the group revokes and reassigns the first member's partitions")
    func rebalanceIsSurfaced() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 4)
        let group = LocalStack.uniqueName("group")
        let first = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let initial = try await KafkaTestEnvironment.pollEvents(from: first) { !$0.assigned.isEmpty }
        #expect(initial.assigned == (0..<4).map { KafkaTopicPartition(topic: topic, partition: $0) })

        let second = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        // Both members must keep polling for the group to finish rebalancing.
        async let firstEvents = KafkaTestEnvironment.pollEvents(from: first) { events in
            events.contains { $0.isRevoked } && !events.drop { !$0.isRevoked }.dropFirst().assigned.isEmpty
        }
        async let secondEvents = KafkaTestEnvironment.pollEvents(from: second) { !$0.assigned.isEmpty }
        let (rebalanced, joined) = try await (firstEvents, secondEvents)
        await first.close()
        await second.close()

        let revoked = rebalanced.compactMap(\.revokedPartitions).first ?? []
        let kept = rebalanced.drop { !$0.isRevoked }.dropFirst().assigned
        #expect(Set(revoked) == Set(initial.assigned))
        #expect(!kept.isEmpty && kept.count < 4)
        #expect(Set(kept).isDisjoint(with: joined.assigned))
        #expect(Set(kept).union(joined.assigned) == Set(initial.assigned))
    }

    @Test("a group's lag, read from outside it, counts what the group has not committed and moves no partition")
    func groupLagFromOutside() async throws {
        let topic = try await KafkaTestEnvironment.createTopic(partitions: 3)
        let group = LocalStack.uniqueName("group")
        let values = (0..<3).flatMap { key in (0..<4).map { "key-\(key)/\($0)" } }
        try await send(values, to: topic)
        let lag = try KafkaGroupLag(
            bootstrapServers: KafkaTestEnvironment.brokers, groupID: group, logger: KafkaTestEnvironment.logger)
        try await expectLag(of: lag, on: topic, settlesAt: values.count)

        let member = try KafkaTestEnvironment.makeConsumer(group: group, topic: topic)
        let messages = try await KafkaTestEnvironment.pollMessages(from: member, count: values.count)
        let firstPartition = try #require(messages.first).partition
        let inFirstPartition = messages.filter { $0.partition == firstPartition }
        try await member.commit(inFirstPartition)
        try await expectLag(of: lag, on: topic, settlesAt: values.count - inFirstPartition.count)
        try await member.commit(messages)
        try await expectLag(of: lag, on: topic, settlesAt: 0)

        // Had the reader joined, the member would have lost partitions to it.
        let events = try await member.poll(maxCount: 100, maxWait: .seconds(2))
        await member.close()
        #expect(!events.contains { $0.isRevoked })
    }

    /// The broker may show a commit to another client a moment later: the lag must reach `expected` within seconds.
    private func expectLag(of lag: KafkaGroupLag, on topic: String, settlesAt expected: Int) async throws {
        var last: Int64?
        _ = try? await eventually("the lag to reach \(expected)", within: 10) { () async throws -> Int64? in
            last = try await lag.messagesBehind(on: topic, timeout: .seconds(5))
            return last == Int64(expected) ? last : nil
        }
        #expect(last == Int64(expected), "the lag stayed at \(last.map(String.init) ?? "unknown")")
    }

    private func send(_ values: [String], to topic: String) async throws {
        try await KafkaTestEnvironment.withProducer { producer in
            for value in values {
                let key = String(value.prefix { $0 != "/" })
                _ = try await producer.send(topic: topic, key: key.bytes, value: value.bytes)
            }
        }
    }
}

extension KafkaConsumerEvent {
    var isRevoked: Bool { revokedPartitions != nil }

    var revokedPartitions: [KafkaTopicPartition]? {
        if case .partitionsRevoked(let partitions) = self { partitions } else { nil }
    }
}

extension Sequence<KafkaConsumerEvent> {
    /// The partitions of the last assignment among these events, sorted by partition.
    var assigned: [KafkaTopicPartition] {
        let assignments = compactMap { event in
            if case .partitionsAssigned(let partitions) = event { partitions } else { nil }
        }
        return (assignments.last ?? []).sorted { $0.partition < $1.partition }
    }
}
