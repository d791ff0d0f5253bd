import Dispatch
import Foundation
import Logging
import Synchronization

/// LISTENs on one channel over a dedicated connection on its own thread, feeding a notification stream.
///
/// The thread waits on the socket with a timeout so it notices `stop()`, and after losing the connection reconnects
/// with exponential backoff and LISTENs again. Notifications sent while it was disconnected are lost.
final class PostgresListener: Sendable {
    private static let pollTimeoutMilliseconds: Int32 = 250
    private static let initialBackoff = 0.1
    private static let maximumBackoff = 5.0

    private let channel: String
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let continuation: AsyncStream<PostgresNotification>.Continuation
    private let stopped = Atomic<Bool>(false)
    /// Signalled by `stop()` to cut a reconnect backoff short.
    private let wakeUp = DispatchSemaphore(value: 0)

    init(
        channel: String, configuration: PostgresConfiguration, logger: Logger,
        continuation: AsyncStream<PostgresNotification>.Continuation
    ) {
        self.channel = channel
        self.configuration = configuration
        self.continuation = continuation
        var logger = logger
        logger[metadataKey: "postgres.channel"] = "\(channel)"
        self.logger = logger
    }

    /// Starts the listening thread; it holds the listener until it ends.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "seatline.postgres.listen"
        thread.start()
    }

    /// Asks the thread to close its connection and end the stream; it does so within one poll timeout.
    func stop() {
        if !stopped.exchange(true, ordering: .relaxed) {
            wakeUp.signal()
        }
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func run() {
        var connection: LibPQConnection?
        var backoff = Self.initialBackoff
        while !isStopped {
            guard let listening = connection else {
                do {
                    let opened = try LibPQConnection.open(configuration: configuration, logger: logger)
                    try opened.listen(channel: channel)
                    connection = opened
                    backoff = Self.initialBackoff
                    logger.debug("listening for PostgreSQL notifications")
                } catch {
                    logger.warning(
                        "cannot LISTEN, retrying", metadata: ["error": "\(error)", "retry_in_seconds": "\(backoff)"])
                    _ = wakeUp.wait(timeout: .now() + backoff)
                    backoff = min(backoff * 2, Self.maximumBackoff)
                }
                continue
            }
            switch listening.waitForNotifications(timeout: Self.pollTimeoutMilliseconds) {
            case .success(let notifications):
                for notification in notifications { continuation.yield(notification) }
            case .failure(let error):
                logger.warning("lost the LISTEN connection, reconnecting", metadata: ["error": "\(error)"])
                listening.close()
                connection = nil
            }
        }
        connection?.close()
        continuation.finish()
    }
}
