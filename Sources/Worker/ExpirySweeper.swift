import BookingDomain
import Cluster
import Foundation
import Logging
import Metrics
import SeatlineRuntime
import Synchronization

/// Expires holds past their `held_until`, through the same fenced batch path as every command, and keeps the
/// transaction log to its size: the leader's singleton duties. Only the node leading a term sweeps, and every sweep
/// is fenced by that term in its own transaction, so a deposed or paused leader's sweep changes nothing.
final class ExpirySweeper: Sendable {
    private let store: BatchStore
    private let interval: Duration
    private let transactionLogRows: Int
    private let leader: @Sendable () -> BatchStore.LeaderFence?
    private let onFenced: @Sendable () async -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let stopping = Mutex(false)
    private let expired = Counter(label: "seatline_expiry_holds_expired_total")
    private let fencedSweeps = Counter(label: "seatline_expiry_sweeps_fenced_total")

    /// A sweeper that sweeps while `leader` names a term, and calls `onFenced` when that term turns out over.
    init(
        store: BatchStore, interval: Duration, transactionLogRows: Int,
        leader: @escaping @Sendable () -> BatchStore.LeaderFence?, onFenced: @escaping @Sendable () async -> Void,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.now = now
        self.store = store
        self.interval = interval
        self.transactionLogRows = transactionLogRows
        self.leader = leader
        self.onFenced = onFenced
        self.logger = logger
    }

    /// Sweeps every `interval` while leading, until `stop()`.
    func run() async throws {
        while !stopping.withLock({ $0 }), !Task.isCancelled {
            if let fence = leader() {
                do {
                    try await sweep(fence: fence)
                    _ = try await store.trimTransactionLog(keeping: transactionLogRows, fence: fence)
                } catch is BatchStore.LeaderFenced {
                    fencedSweeps.increment()
                    logger.notice("sweep refused: this node's term is over", metadata: ["term": "\(fence.term)"])
                    await onFenced()
                } catch {
                    logger.warning("expiry sweep failed; trying again next interval", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Asks `run()` to return.
    func stop() {
        stopping.withLock { $0 = true }
    }

    /// Expires every hold past its end now, a bounded slice per transaction, under `fence`.
    func sweep(fence: BatchStore.LeaderFence) async throws {
        while true {
            let now = now()
            let command = BookingCommand(commandID: UUID.random(), acceptedAt: now, deadline: now, action: .expireHolds)
            let result = try await store.applyRetryingConflicts(command, now: now, fence: fence)
            let count = result.expiredHolds
            expired.increment(by: count)
            if count > 0 { logger.info("expired holds", metadata: ["count": "\(count)"]) }
            if count < 2000 { return }
        }
    }
}
