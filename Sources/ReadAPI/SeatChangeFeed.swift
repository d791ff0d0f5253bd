public import Logging
public import Postgres
public import ServiceLifecycle
import Synchronization

/// The one reader of `seat_changes` in a read-api process: it follows the table by position and fans each
/// change out to the live-stream subscribers of its event.
///
/// Woken by the projector's notifications on the read DB, with polling as a fallback. Every subscriber has a
/// bounded buffer; one that falls behind is ended, and its client resumes with `Last-Event-ID`.
public final class SeatChangeFeed: Service, Sendable {
    /// The read-DB channel the projector notifies at every commit.
    public static let channel = "seat_changes"

    /// One subscriber's side of the feed.
    struct Subscription: Sendable {
        /// The changes and heartbeats of the subscribed event; ends when the subscriber falls behind or the feed stops.
        let messages: AsyncStream<SeatStreamMessage>
        fileprivate let continuation: AsyncStream<SeatStreamMessage>.Continuation

        /// Ends `messages` after what is already buffered.
        func finish() {
            continuation.finish()
        }
    }

    private static let pageSize = 1000

    private let views: PostgresClient
    private let subscriberBufferSize: Int
    private let heartbeatInterval: Duration
    private let pollInterval: Duration
    private let logger: Logger
    private let registry = Mutex(SubscriberRegistry<AsyncStream<SeatStreamMessage>.Continuation>())
    private let notificationCount = Atomic<UInt64>(0)

    /// A feed over `views`, the read DB.
    public init(
        views: PostgresClient, subscriberBufferSize: Int = 1024, heartbeatInterval: Duration = .seconds(15),
        pollInterval: Duration = .milliseconds(500), logger: Logger
    ) {
        self.views = views
        self.subscriberBufferSize = max(1, subscriberBufferSize)
        self.heartbeatInterval = heartbeatInterval
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Grows with every notification that a projection committed: cached views older than it are re-checked.
    var generation: UInt64 {
        notificationCount.load(ordering: .acquiring)
    }

    /// The position of the newest change: a subscriber that starts from it misses nothing committed later.
    func head() async throws -> Int64 {
        let result = try await views.query("SELECT coalesce(max(position), 0) FROM seat_changes")
        return try result.rows.first?.decode(Int64.self, at: 0) ?? 0
    }

    /// Subscribes to the changes of `eventID` after position `start`.
    ///
    /// Changes committed before the subscription may or may not be delivered: the subscriber reads those from
    /// `seat_changes` itself, after subscribing, and skips by position what it already has.
    func subscribe(eventID: String, after start: Int64) -> Subscription {
        let (messages, continuation) = AsyncStream.makeStream(
            of: SeatStreamMessage.self, bufferingPolicy: .bufferingOldest(subscriberBufferSize))
        let id = registry.withLock { $0.makeID() }
        // Set before the subscriber is reachable, so an early finish still unregisters it.
        continuation.onTermination = { [weak self] _ in
            self?.registry.withLock { $0.remove(id: id) }
        }
        if !registry.withLock({ $0.add(continuation, id: id, eventID: eventID, start: start) }) {
            continuation.finish()
        }
        return Subscription(messages: messages, continuation: continuation)
    }

    /// Follows `seat_changes` until graceful shutdown, then ends every subscription.
    public func run() async throws {
        let (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let notifications = views.notifications(channel: Self.channel)
        let (pollInterval, heartbeatInterval) = (pollInterval, heartbeatInterval)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in notifications {
                        self.notificationCount.add(1, ordering: .releasing)
                        wakeUp.yield()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        wakeUp.yield()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeatInterval)
                        self.deliver(.heartbeat, to: self.registry.withLock { $0.all })
                    }
                }
                var position: Int64?
                for await _ in wakeUps {
                    position = await tail(after: position)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            wakeUp.finish()
            for subscriber in self.registry.withLock({ $0.close() }) { subscriber.finish() }
        }
        logger.info("seat change feed stopped")
    }

    /// Reads the changes after `position` and delivers them; returns the new position (unchanged on failure).
    ///
    /// The head is read before looking at the subscribers: whoever subscribes afterwards did so after every
    /// change up to it was committed, and reads those from the table itself. So with nobody subscribed the
    /// feed skips to the head, and it starts no later than its earliest subscriber.
    private func tail(after position: Int64?) async -> Int64? {
        do {
            let head = try await head()
            guard let earliestStart = registry.withLock({ $0.earliestStart }) else { return head }
            var position = position ?? min(earliestStart, head)
            while true {
                let rows = try await views.query(
                    """
                    SELECT position, event_id, seat_id, status, iso8601_utc(held_until)
                    FROM seat_changes WHERE position > \(position) ORDER BY position LIMIT \(Self.pageSize)
                    """)
                for row in rows {
                    position = try row.decode(Int64.self, at: 0)
                    let eventID = try row.decode(String.self, at: 1)
                    let frame = SeatStreamFrame.seatUpdate(
                        position: position, eventID: eventID, seatID: try row.decode(String.self, at: 2),
                        status: try row.decode(String.self, at: 3),
                        heldUntil: try row.decodeIfPresent(String.self, at: 4))
                    let subscribers = registry.withLock { $0.subscribers(of: eventID) }
                    deliver(.change(position: position, frame: frame), to: subscribers)
                }
                if rows.rows.count < Self.pageSize { return position }
            }
        } catch {
            logger.warning("cannot read seat changes, retrying", metadata: ["error": "\(error)"])
            return position
        }
    }

    /// Yields outside the registry's lock: ending a subscriber runs its termination handler, which takes the lock.
    private func deliver(_ message: SeatStreamMessage, to subscribers: [AsyncStream<SeatStreamMessage>.Continuation]) {
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(message) {
                logger.debug("a live-stream subscriber fell behind; ending its stream")
                subscriber.finish()
            }
        }
    }
}
