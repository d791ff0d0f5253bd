/// When to prune `seat_changes`, the feed of the live streams: positions are noted once a minute, and
/// everything up to the last one noted more than `retention` ago may go. Deleting by position walks the
/// primary key, so no index on `changed_at` is needed.
struct SeatChangeRetention: Sendable {
    private let retention: Duration
    private let interval: Duration
    private var marks: [(at: ContinuousClock.Instant, position: Int64)] = []
    private var lastMark: ContinuousClock.Instant?

    init(retention: Duration = .seconds(600), interval: Duration = .seconds(60)) {
        self.retention = retention
        self.interval = interval
    }

    /// Whether a new mark is due.
    func isDue(at now: ContinuousClock.Instant) -> Bool {
        lastMark.map { now - $0 >= interval } ?? true
    }

    /// Notes the feed's head `position` at `now`; returns the position up to which rows may be deleted.
    mutating func mark(_ position: Int64, at now: ContinuousClock.Instant) -> Int64? {
        lastMark = now
        marks.append((now, position))
        guard let expired = marks.lastIndex(where: { now - $0.at >= retention }) else { return nil }
        let prunable = marks[expired].position
        marks.removeFirst(expired + 1)
        return prunable
    }
}
