public import Logging
import Metrics
import Synchronization

/// Whether sales are on, as every write-api sees it: kept in the write DB so it survives restarts and is the same
/// everywhere, read again every `refreshInterval` and at once by the write-api that turned it. Published as
/// `seatline_sales_active` (1 on, 0 paused), which is how a dashboard opening learns the state.
public final class SalesSwitch: Sendable {
    private let store: ClusterStore
    private let refreshInterval: Duration
    private let logger: Logger
    private let active = Atomic(true)
    private let published = Gauge(label: "seatline_sales_active")
    private let stopping = Atomic(false)

    /// A switch read from `store`; on until the first read says otherwise.
    public init(store: ClusterStore, refreshInterval: Duration = .milliseconds(500), logger: Logger) {
        self.store = store
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// Whether user commands may be enqueued now.
    public var isActive: Bool { active.load(ordering: .relaxed) }

    /// Turns sales on or off everywhere.
    public func set(active: Bool) async throws {
        try await store.setSalesActive(active)
        follow(active)
        logger.notice("sales \(active ? "resumed" : "paused") by an admin")
    }

    /// Follows the write DB until `stop()`.
    public func run() async throws {
        while !stopping.load(ordering: .relaxed), !Task.isCancelled {
            do {
                follow(try await store.salesActive())
            } catch {
                logger.warning("cannot read the sales switch; keeping the last state", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: refreshInterval)
        }
    }

    private func follow(_ active: Bool) {
        self.active.store(active, ordering: .relaxed)
        published.record(active ? 1 : 0)
    }

    /// Asks `run()` to return.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }
}
