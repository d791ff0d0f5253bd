/// Non-empty batches of consumer events, each pulled from the broker only when the iterator asks for it.
public struct KafkaConsumerBatches: AsyncSequence, Sendable {
    /// A batch of events in the order the consumer saw them.
    public typealias Element = [KafkaConsumerEvent]
    /// Polling fails only with the consumer's own errors.
    public typealias Failure = KafkaError

    let consumer: KafkaConsumer
    let maxCount: Int
    let maxWait: Duration

    /// Pulls the next non-empty batch; returns nil once the consumer is closed or the task is cancelled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let maxCount: Int
        let maxWait: Duration

        /// The next non-empty batch, or nil after `close()` or cancellation.
        public mutating func next() async throws(KafkaError) -> [KafkaConsumerEvent]? {
            try await Self.nextBatch(from: consumer, maxCount: maxCount, maxWait: maxWait)
        }

        /// The next non-empty batch, or nil after `close()` or cancellation.
        public mutating func next(
            isolation actor: isolated (any Actor)?
        ) async throws(KafkaError) -> [KafkaConsumerEvent]? {
            try await Self.nextBatch(from: consumer, maxCount: maxCount, maxWait: maxWait)
        }

        private static func nextBatch(
            from consumer: KafkaConsumer,
            maxCount: Int,
            maxWait: Duration
        ) async throws(KafkaError) -> [KafkaConsumerEvent]? {
            while !Task.isCancelled {
                let events: [KafkaConsumerEvent]
                do {
                    events = try await consumer.poll(maxCount: maxCount, maxWait: maxWait)
                } catch {
                    guard error.code == .closed else { throw error }
                    return nil
                }
                if !events.isEmpty {
                    return events
                }
            }
            return nil
        }
    }

    /// Creates the iterator; each iterator polls the same consumer.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, maxCount: maxCount, maxWait: maxWait)
    }
}
