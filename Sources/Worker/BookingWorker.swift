import BookingDomain
import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import Synchronization

/// Pulls batches of commands from Kafka and applies each batch exactly once: locks, one write-DB
/// transaction, then the offset commit. Offsets move only after the transaction that carries the
/// effect committed; a crash in between redelivers commands whose ids the write DB already holds.
///
/// A suspended worker (its node killed by an admin) finishes the batch in hand, then drops its consumer as a crash
/// would, without leaving the group: its partitions move to the other workers when its session times out. Resumed,
/// it joins again with a new consumer.
final class BookingWorker: Sendable {
    private let makeConsumer: @Sendable () throws -> KafkaConsumer
    private let store: BatchStore
    private let locks: SeatLocks
    private let batchSize: Int
    /// The clock commands are decided by: deadlines, holds' ends.
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let stopping = Mutex(false)
    private let suspended = Mutex(false)
    private let batchSizes = Recorder(label: "seatline_worker_batch_size")
    private let commandsApplied = Counter(label: "seatline_worker_commands_total")
    private let duplicatesSkipped = Counter(label: "seatline_worker_duplicates_skipped_total")
    private let rejections = Counter(label: "seatline_worker_rejections_total")
    private let conflicts = Counter(label: "seatline_worker_fenced_conflicts_total")
    private let databaseFailures = Counter(label: "seatline_worker_database_failures_total")
    private let undecodable = Counter(label: "seatline_worker_undecodable_total")

    init(
        makeConsumer: @escaping @Sendable () throws -> KafkaConsumer, store: BatchStore, locks: SeatLocks,
        batchSize: Int, now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.makeConsumer = makeConsumer
        self.store = store
        self.locks = locks
        self.batchSize = batchSize
        self.now = now
        self.logger = logger
    }

    /// Consumes until `stop()`, except while suspended; the batch in hand is finished and committed first.
    func run() async throws {
        while !stopping.withLock({ $0 }) {
            if suspended.withLock({ $0 }) {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            let consumer = try makeConsumer()
            try await consume(from: consumer)
            if suspended.withLock({ $0 }) { await consumer.abandon() } else { await consumer.close() }
        }
    }

    /// Asks `run()` to return after the current batch.
    func stop() {
        stopping.withLock { $0 = true }
    }

    /// Stops consuming after the current batch and drops out of the group, until `resume()`.
    func suspend() {
        suspended.withLock { $0 = true }
    }

    /// Joins the group and consumes again.
    func resume() {
        suspended.withLock { $0 = false }
    }

    private func consume(from consumer: KafkaConsumer) async throws {
        while !stopping.withLock({ $0 }), !suspended.withLock({ $0 }) {
            let events = try await consumer.poll(maxCount: batchSize, maxWait: .milliseconds(100))
            var messages: [KafkaConsumerMessage] = []
            for event in events {
                switch event {
                case .message(let message): messages.append(message)
                case .partitionsAssigned(let partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.partition))"])
                case .partitionsRevoked(let partitions):
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition))"])
                }
            }
            guard !messages.isEmpty else { continue }
            try await apply(messages)
            do {
                try await consumer.commit(messages)
            } catch {
                // After a rebalance the new owner gets these messages again and skips them by command id.
                logger.warning(
                    "offset commit failed; the messages will be redelivered", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Applies one batch, retrying until its transaction commits: a fenced conflict is decided again
    /// from a fresh read at once; a database failure waits with backoff, offsets untouched. A batch the write DB
    /// refused twice for its data is split until the one command it refuses is set aside (`undecodable_commands`),
    /// so that command does not stop its partition for good; one refusal alone may still be a race, and is retried.
    private func apply(_ messages: [KafkaConsumerMessage]) async throws {
        var commands: [BookingCommand] = []
        var unreadable: [BatchStore.UndecodableMessage] = []
        var origins: [UUID: KafkaConsumerMessage] = [:]
        for message in messages {
            do {
                let command = try BookingCommand(encoded: message.value)
                if origins.updateValue(message, forKey: command.commandID) == nil { commands.append(command) }
            } catch {
                unreadable.append(Self.undecodable(message, error: "\(error)"))
            }
        }
        let seats = commands.flatMap { command -> [SeatKey] in
            switch command.action {
            // Best-available seats are chosen inside the transaction, so they cannot be locked beforehand; one
            // event's commands share a partition, so another worker rarely decides them at the same time, and
            // the fenced write settles it when one does.
            case .book(let request), .hold(let request, _):
                request.namedSeatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) }
            default: []
            }
        }

        var attempt = 0
        var refusals = 0
        while true {
            let held = await locks.acquire(seats)
            do {
                let result =
                    refusals < 2
                    ? try await store.apply(commands, undecodable: unreadable, now: now())
                    : try await store.applyIsolatingRefusals(commands, undecodable: unreadable, now: now()) {
                        command, error in
                        Self.undecodable(origins[command.commandID]!, error: error)
                    }
                await locks.release(held)
                record(result, batch: messages.count, unreadable: unreadable.count + result.refused.count)
                if !result.refused.isEmpty {
                    logger.error(
                        "commands the write DB refuses were set aside in undecodable_commands",
                        metadata: ["commands": "\(result.refused)"])
                }
                return
            } catch let conflict as BatchStore.SeatVersionConflict {
                await locks.release(held)
                conflicts.increment()
                logger.notice(
                    "stale seat read fenced off; deciding the batch again", metadata: ["conflict": "\(conflict)"])
            } catch {
                await locks.release(held)
                databaseFailures.increment()
                if let failure = error as? PostgresError, failure.isRefusalOfTheData { refusals += 1 }
                attempt += 1
                let delay = Duration.milliseconds(min(2000, 50 << min(attempt, 6)))
                logger.warning(
                    "write DB transaction failed; retrying, offsets not committed",
                    metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    private static func undecodable(_ message: KafkaConsumerMessage, error: String) -> BatchStore.UndecodableMessage {
        .init(
            topic: message.topic, partition: message.partition, offset: message.offset, payload: message.value,
            error: error)
    }

    private func record(_ result: BatchStore.Result, batch: Int, unreadable: Int) {
        batchSizes.record(batch)
        commandsApplied.increment(by: result.decisions.count)
        duplicatesSkipped.increment(by: result.duplicates)
        undecodable.increment(by: unreadable)
        let rejected = result.decisions.values.filter {
            if case .rejected = $0 { true } else { false }
        }.count
        rejections.increment(by: rejected)
        if unreadable > 0 {
            logger.error("recorded undecodable messages in undecodable_commands", metadata: ["count": "\(unreadable)"])
        }
    }
}
