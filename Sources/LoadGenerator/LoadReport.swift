import Foundation
import Histogram

/// The figures of one run, written as JSON, as a summary and as an SVG chart.
public struct LoadReport: Codable, Sendable {
    /// Latency percentiles in milliseconds.
    public struct Percentiles: Codable, Sendable {
        /// Median.
        public let p50: Double
        /// 90th percentile.
        public let p90: Double
        /// 99th percentile.
        public let p99: Double
        /// Largest seen.
        public let max: Double
        /// How many were measured.
        public let count: UInt64

        init(_ histogram: Histogram<UInt64>) {
            p50 = Double(histogram.valueAtPercentile(50)) / 1000
            p90 = Double(histogram.valueAtPercentile(90)) / 1000
            p99 = Double(histogram.valueAtPercentile(99)) / 1000
            max = Double(histogram.max) / 1000
            count = histogram.totalCount
        }
    }

    /// The scenario run.
    public var scenario: String
    /// Requests sent.
    public var requests: Int
    /// Responses by HTTP status.
    public var httpStatuses: [String: Int]
    /// Bookings accepted (202).
    public var accepted: Int
    /// Requests answered so that they may or may not have taken effect (no answer, or a 503 that does not say
    /// nothing was sent): each may have booked a seat that no accepted booking accounts for.
    public var unknownAnswers: Int
    /// How long sending took.
    public var loadSeconds: Double
    /// 2xx responses per second while sending.
    public var successesPerSecond: Double
    /// Request → response latency (accept latency for bookings).
    public var responseLatency: Percentiles
    /// POST → final status visible on the read side, for the followed sample.
    public var visibleLatency: Percentiles?
    /// 2xx responses in each second of the run.
    public var successesPerSecondTimeline: [Int]
    /// Final statuses of every accepted booking.
    public var finalStatuses: [String: Int] = [:]
    /// Accepted bookings that never reached a final status.
    public var lost = 0
    /// From the first request until the read side showed every accepted booking final (checked by polling each).
    public var settledSeconds = 0.0
    /// From the first request until the worker committed its decision on the last accepted booking.
    public var decidedSeconds = 0.0
    /// Confirmed bookings (one seat each) per second from the first request to the last decision.
    public var confirmedSeatsPerSecond = 0.0
    /// The end-of-run checks.
    public var verification: Verification?

    /// The readable summary.
    public var summary: String {
        var lines = [
            "scenario \(scenario): \(requests) requests in \(String(format: "%.1f", loadSeconds)) s, "
                + "\(String(format: "%.0f", successesPerSecond)) successful/s",
            "response latency ms: p50 \(responseLatency.p50)  p90 \(responseLatency.p90)  p99 \(responseLatency.p99)  "
                + "max \(responseLatency.max)",
            "http statuses: \(httpStatuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))",
        ]
        if let visibleLatency {
            lines.append(
                "POST → visible ms (\(visibleLatency.count) followed): p50 \(visibleLatency.p50)  p99 \(visibleLatency.p99)"
            )
        }
        if let verification {
            lines.append(
                "final: \(finalStatuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) "
                    + "lost=\(lost), all decided in \(String(format: "%.1f", decidedSeconds)) s "
                    + "(\(String(format: "%.0f", confirmedSeatsPerSecond)) confirmed seats/s), "
                    + "all seen final on the read side by \(String(format: "%.1f", settledSeconds)) s")
            lines.append(verification.summary)
        }
        return lines.joined(separator: "\n")
    }

    /// Writes `load-<scenario>.json` and `load-<scenario>.svg` into `directory`.
    public func write(to directory: String) throws {
        let base = URL(fileURLWithPath: directory).appendingPathComponent("load-\(scenario)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: base.appendingPathExtension("json"))
        try Data(chart.utf8).write(to: base.appendingPathExtension("svg"))
    }

    /// Throughput over time on the left, latency percentiles on the right.
    var chart: String {
        let width = 900.0
        let height = 320.0
        let plot = (x: 50.0, y: 30.0, width: 480.0, height: 240.0)
        let peak = Double(max(1, successesPerSecondTimeline.max() ?? 1))
        let step = plot.width / Double(max(1, successesPerSecondTimeline.count - 1))
        let points = successesPerSecondTimeline.enumerated().map { second, count in
            String(
                format: "%.1f,%.1f", plot.x + Double(second) * step,
                plot.y + plot.height - Double(count) / peak * plot.height)
        }.joined(separator: " ")
        var bars: [(String, Double)] = [
            ("resp p50", responseLatency.p50), ("resp p99", responseLatency.p99),
        ]
        if let visibleLatency { bars += [("vis p50", visibleLatency.p50), ("vis p99", visibleLatency.p99)] }
        let tallest = max(0.001, bars.map(\.1).max() ?? 1)
        let barSVG = bars.enumerated().map { index, bar in
            let barHeight = bar.1 / tallest * plot.height
            let x = 600.0 + Double(index) * 70
            return """
                <rect x="\(x)" y="\(plot.y + plot.height - barHeight)" width="50" height="\(barHeight)" fill="#4a78c2"/>
                <text x="\(x + 25)" y="\(plot.y + plot.height + 16)" font-size="11" text-anchor="middle">\(bar.0)</text>
                <text x="\(x + 25)" y="\(plot.y + plot.height - barHeight - 4)" font-size="11" text-anchor="middle">\(String(format: "%.1f", bar.1)) ms</text>
                """
        }.joined(separator: "\n")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(plot.x)" y="18" font-size="13">\(scenario): successful responses per second (peak \(Int(peak)))</text>
            <line x1="\(plot.x)" y1="\(plot.y + plot.height)" x2="\(plot.x + plot.width)" y2="\(plot.y + plot.height)" stroke="#888"/>
            <line x1="\(plot.x)" y1="\(plot.y)" x2="\(plot.x)" y2="\(plot.y + plot.height)" stroke="#888"/>
            <polyline fill="none" stroke="#c2544a" stroke-width="2" points="\(points)"/>
            <text x="\(plot.x)" y="\(plot.y + plot.height + 16)" font-size="11">0 s</text>
            <text x="\(plot.x + plot.width)" y="\(plot.y + plot.height + 16)" font-size="11" text-anchor="end">\(successesPerSecondTimeline.count) s</text>
            <text x="600" y="18" font-size="13">latency percentiles</text>
            \(barSVG)
            </svg>
            """
    }
}
