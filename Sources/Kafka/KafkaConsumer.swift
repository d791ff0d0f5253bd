import CRdKafka
import Dispatch
public import Logging
import Synchronization

/// A consumer-group member whose offsets move only when the caller commits
/// (`enable.auto.commit=false`, `enable.auto.offset.store=false`).
public final class KafkaConsumer: Sendable {
    private struct State {
        /// `close()` was called: polls end; commits queued before the close still run.
        var closeRequested = false
        /// The client until the close runs; only the queue takes it out, so it is released (destroyed) there.
        var client: RdKafkaClient?
    }

    private let logger: Logger
    private let state: Mutex<State>
    /// Every consumer call (poll, commit, close) runs on this one serial queue, never on Swift's cooperative pool.
    private let queue = DispatchQueue(label: "seatline.kafka.consumer")

    /// Creates the consumer and subscribes it to the configured topics; the group join happens while polling.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        var logger = logger
        logger[metadataKey: "kafka.client"] = "consumer"
        logger[metadataKey: "kafka.group"] = "\(configuration.groupID)"
        let sessionTimeout = configuration.sessionTimeout.rdKafkaMilliseconds
        let settings = [
            ("bootstrap.servers", configuration.bootstrapServers),
            ("client.id", configuration.clientID),
            ("group.id", configuration.groupID),
            ("session.timeout.ms", "\(sessionTimeout)"),
            // Heartbeats well inside the session, so a healthy member is never evicted.
            ("heartbeat.interval.ms", "\(max(100, sessionTimeout / 6))"),
            // Also the rebalance timeout: how long a rebalance waits for every member to rejoin, and how long a
            // JoinGroup may stay unanswered. The default five minutes held every partition of the group unassigned
            // that long when a member froze in the middle of a join (seen with the local broker).
            ("max.poll.interval.ms", "\(max(sessionTimeout, 30_000))"),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", configuration.startFromEarliest ? "earliest" : "latest"),
            ("enable.partition.eof", "false"),
            ("fetch.wait.max.ms", "\(configuration.fetchMaxWait.rdKafkaMilliseconds)"),
            // librdkafka backs off up to 10 s by default; a restarted broker should be found again quickly.
            ("reconnect.backoff.max.ms", "1000"),
            // A subscribed topic found missing (say, while a broker restarts) is looked up again within seconds,
            // not after the default five minutes.
            ("topic.metadata.refresh.interval.ms", "5000"),
        ]
        let client = try RdKafkaClient(kind: .consumer, settings: settings, logger: logger) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        do throws(KafkaError) {
            try Self.subscribe(client, to: configuration.topics)
        } catch {
            // Released off the caller's thread: rd_kafka_destroy blocks.
            queue.async { withExtendedLifetime(client) {} }
            throw error
        }
        self.logger = logger
        self.state = Mutex(State(client: client))
    }

    deinit {
        guard let client = state.withLock({ $0.client.take() }) else { return }
        // Releasing the last reference destroys the handle, which also leaves the group; it blocks, so it
        // happens on the consumer's queue.
        queue.async { withExtendedLifetime(client) {} }
    }

    /// Pulls up to `maxCount` events, waiting at most `maxWait` for the first one; returns [] on timeout.
    /// Runs on the consumer's own thread; throws `.closed` after `close()`.
    public func poll(maxCount: Int, maxWait: Duration) async throws(KafkaError) -> [KafkaConsumerEvent] {
        try await queue.blocking { () throws(KafkaError) in
            try self.pollOnQueue(maxCount: max(1, maxCount), maxWait: maxWait)
        }
    }

    /// The same as an AsyncSequence of non-empty batches, pulled on demand (no unbounded buffering); ends after
    /// `close()` or when the iterating task is cancelled.
    public func batches(maxCount: Int, maxWait: Duration) -> KafkaConsumerBatches {
        KafkaConsumerBatches(consumer: self, maxCount: maxCount, maxWait: maxWait)
    }

    /// Synchronously commits, for each partition, the offset AFTER the given message (i.e. message.offset + 1).
    public func commit(_ messages: [KafkaConsumerMessage]) async throws(KafkaError) {
        var nextOffsets: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            nextOffsets[message.topicPartition] = max(nextOffsets[message.topicPartition] ?? .min, message.offset + 1)
        }
        guard !nextOffsets.isEmpty else { return }
        try await queue.blocking { [nextOffsets] () throws(KafkaError) in
            try self.commitOnQueue(nextOffsets)
        }
    }

    /// Leaves the group cleanly (rd_kafka_consumer_close) and destroys the handle; idempotent.
    public func close() async {
        await end(leavingTheGroup: true)
    }

    /// Drops out of the group the way a crashed member does: the handle is destroyed without a LeaveGroup, so the
    /// coordinator moves this member's partitions once its session times out. Offsets committed so far stand.
    ///
    /// Besides being what a crash looks like, this keeps the local broker (Tansu 0.6) working: a member that leaves
    /// while a rebalance is forming and it was chosen to lead is removed, but stays named the group's leader, so
    /// every other member's SyncGroup answers "rebalance in progress" and no partition is assigned again.
    /// A member that times out instead is removed as the leader too.
    public func abandon() async {
        await end(leavingTheGroup: false)
    }

    private func end(leavingTheGroup: Bool) async {
        state.withLock { $0.closeRequested = true }
        // Queued behind any poll or commit in flight; a poll notices the request within ~100 ms.
        try? await queue.blocking { () throws(KafkaError) in
            self.endOnQueue(leavingTheGroup: leavingTheGroup)
        }
    }

    private static func subscribe(_ client: RdKafkaClient, to topics: [String]) throws(KafkaError) {
        let error = rd_kafka_poll_set_consumer(client.handle)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafka: error, fallback: .subscriptionFailed, context: "redirecting the main queue")
        }
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            // -1 is RD_KAFKA_PARTITION_UA: the whole topic, partitions assigned by the group.
            rd_kafka_topic_partition_list_add(list, topic, -1)
        }
        let subscribed = rd_kafka_subscribe(client.handle, list)
        guard subscribed == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafka: subscribed, fallback: .subscriptionFailed, context: "subscribing")
        }
    }

    private func pollOnQueue(maxCount: Int, maxWait: Duration) throws(KafkaError) -> [KafkaConsumerEvent] {
        guard let client = state.withLock({ $0.closeRequested ? nil : $0.client }) else {
            throw KafkaError(.closed, message: "the consumer is closed")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: maxWait)
        let context = client.context
        while context.pendingEvents.withLock({ $0.count }) < maxCount {
            // Waits in slices so rebalance events and close() are noticed; once one event is in, only drains.
            let waitsForFirst = context.pendingEvents.withLock { $0.isEmpty }
            let slice = waitsForFirst ? min(max(clock.now.duration(to: deadline), .zero), .milliseconds(100)) : .zero
            if let message = rd_kafka_consumer_poll(client.handle, slice.rdKafkaMilliseconds) {
                defer { rd_kafka_message_destroy(message) }
                try record(message, from: client)
            } else if !context.pendingEvents.withLock({ $0.isEmpty }) || clock.now >= deadline
                || state.withLock({ $0.closeRequested })
            {
                break
            }
        }
        return context.pendingEvents.withLock { events in
            let batch = Array(events.prefix(maxCount))
            events.removeFirst(batch.count)
            return batch
        }
    }

    /// Appends a message to the pending events (after any rebalance the same poll call recorded); errors are logged.
    private func record(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>,
        from client: RdKafkaClient
    ) throws(KafkaError) {
        let error = message.pointee.err
        switch error {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            break
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return
        case RD_KAFKA_RESP_ERR__FATAL:
            throw client.raisedFatalError(as: .pollFailed)
                ?? KafkaError(rdKafka: error, fallback: .pollFailed, context: "polling")
        default:
            let reason = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
            logger.warning("consumer error", metadata: ["kafka.error": "\(reason)", "kafka.code": "\(error.rawValue)"])
            return
        }
        let fields = message.pointee
        let key = fields.key.map { Array(UnsafeRawBufferPointer(start: $0, count: fields.key_len)) }
        let value = fields.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: fields.len)) } ?? []
        let consumed = KafkaConsumerMessage(
            topic: String(cString: rd_kafka_topic_name(fields.rkt)),
            partition: fields.partition,
            offset: fields.offset,
            key: key,
            value: value
        )
        client.context.pendingEvents.withLock { $0.append(.message(consumed)) }
    }

    private func commitOnQueue(_ nextOffsets: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        guard let client = state.withLock({ $0.client }) else {
            throw KafkaError(.closed, message: "the consumer is closed")
        }
        let list = rd_kafka_topic_partition_list_new(Int32(nextOffsets.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in nextOffsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        }
        // Synchronous (async = 0): returns once the group coordinator answered.
        let error = rd_kafka_commit(client.handle, list, 0)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            // Always `.commitFailed`, whatever the cause: the caller's answer (redelivery) is the same.
            let reason = String(cString: rd_kafka_err2str(error))
            throw KafkaError(.commitFailed, rdKafkaCode: error.rawValue, message: "committing offsets: \(reason)")
        }
    }

    private func endOnQueue(leavingTheGroup: Bool) {
        guard let client = state.withLock({ $0.client.take() }) else { return }
        if leavingTheGroup {
            let error = rd_kafka_consumer_close(client.handle)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                let reason = String(cString: rd_kafka_err2str(error))
                logger.warning("leaving the group failed", metadata: ["kafka.error": "\(reason)"])
            }
        } else {
            client.destroysWithoutLeavingTheGroup()
        }
        // The last reference goes at the end of this scope: rd_kafka_destroy runs here, on the queue.
        logger.debug("consumer closed", metadata: ["kafka.left_group": "\(leavingTheGroup)"])
    }
}
