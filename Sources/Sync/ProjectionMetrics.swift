import Foundation
import Metrics

/// The projector's metrics, created through swift-metrics once the process has bootstrapped its backend.
struct ProjectionMetrics: Sendable {
    /// Journal entries applied to the read DB.
    let entriesProjected = Counter(label: "seatline_sync_entries_projected_total")
    /// Journal head position minus the checkpoint's position: roughly how many entries are still to project.
    let lag = Gauge(label: "seatline_sync_lag_entries")
    /// From the entry's `recorded_at` to the commit that made it visible on the read side.
    let commitToVisible = Metrics.Timer(label: "seatline_sync_commit_to_visible_seconds")
    /// Projection transactions that failed and will be retried.
    let failures = Counter(label: "seatline_sync_failures_total")

    /// Records a committed batch.
    func recordCommitted(_ records: [JournalRecord], at now: Date) {
        guard !records.isEmpty else { return }
        entriesProjected.increment(by: records.count)
        for record in records {
            let seconds = max(0, now.timeIntervalSince(record.recordedAt))
            commitToVisible.recordNanoseconds(Int64(seconds * 1_000_000_000))
        }
    }
}
