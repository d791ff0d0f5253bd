import Histogram
import Synchronization

/// What a run has seen so far: written as replies arrive and followed bookings turn final, read by the
/// progress line and the report.
final class Tally: Sendable {
    struct Snapshot {
        let sent: Int
        let accepted: Int
        let visible: Int
        let p50Milliseconds: Double
        let p99Milliseconds: Double
    }

    private struct State {
        var responseLatency = Histogram<UInt64>(
            highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var visibleLatency = Histogram<UInt64>(
            highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var statuses: [UInt: Int] = [:]
        var unknownAnswers = 0
        var accepted: [String] = []
        var sent = 0
        var perSecond: [Int] = []
        var start: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    func record(status: UInt, answer: CommandAnswer, latency: Duration, start requestStart: ContinuousClock.Instant) {
        state.withLock { state in
            state.sent += 1
            state.statuses[status, default: 0] += 1
            if answer == .unknown { state.unknownAnswers += 1 }
            _ = state.responseLatency.record(latency.microseconds)
            let start = state.start ?? requestStart
            state.start = start
            let second = max(0, Int((requestStart - start).seconds))
            if state.perSecond.count <= second {
                state.perSecond.append(contentsOf: repeatElement(0, count: second + 1 - state.perSecond.count))
            }
            if (200..<300).contains(status) { state.perSecond[second] += 1 }
        }
    }

    func accept(_ accepted: Accepted) {
        state.withLock { $0.accepted.append(accepted.bookingID) }
    }

    func recordVisible(_ latency: Duration) {
        state.withLock { _ = $0.visibleLatency.record(latency.microseconds) }
    }

    var acceptedIDs: [String] {
        state.withLock { $0.accepted }
    }

    func snapshot() -> Snapshot {
        state.withLock {
            Snapshot(
                sent: $0.sent, accepted: $0.accepted.count, visible: Int($0.visibleLatency.totalCount),
                p50Milliseconds: Double($0.responseLatency.valueAtPercentile(50)) / 1000,
                p99Milliseconds: Double($0.responseLatency.valueAtPercentile(99)) / 1000)
        }
    }

    func report(options: LoadOptions, loadDuration: Duration) -> LoadReport {
        state.withLock { state in
            let successes = state.statuses.filter { (200..<300).contains($0.key) }.values.reduce(0, +)
            return LoadReport(
                scenario: options.scenario.rawValue, requests: state.sent,
                httpStatuses: Dictionary(uniqueKeysWithValues: state.statuses.map { (String($0.key), $0.value) }),
                accepted: state.accepted.count, unknownAnswers: state.unknownAnswers, loadSeconds: loadDuration.seconds,
                successesPerSecond: Double(successes) / max(loadDuration.seconds, 0.001),
                responseLatency: LoadReport.Percentiles(state.responseLatency),
                visibleLatency: state.visibleLatency.totalCount > 0
                    ? LoadReport.Percentiles(state.visibleLatency) : nil,
                successesPerSecondTimeline: state.perSecond)
        }
    }
}
