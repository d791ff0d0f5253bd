/// The notifications of one channel, as `PostgresClient.notifications(channel:)` receives them.
///
/// Bounded: when the consumer falls behind, the oldest undelivered notifications are dropped. Iteration ends when
/// the consuming task is cancelled or the client is closed.
public struct PostgresNotifications: AsyncSequence, Sendable {
    /// A received notification.
    public typealias Element = PostgresNotification
    /// Iteration never throws.
    public typealias Failure = Never

    let stream: AsyncStream<PostgresNotification>

    /// An iterator over the notifications.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// Pulls the next notification, waiting until one arrives.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<PostgresNotification>.Iterator

        /// The next notification, or nil once the sequence has ended.
        public mutating func next() async -> PostgresNotification? {
            await base.next()
        }

        /// The next notification, or nil once the sequence has ended; runs on the caller's actor.
        public mutating func next(isolation actor: isolated (any Actor)?) async -> PostgresNotification? {
            await base.next(isolation: actor)
        }
    }
}
