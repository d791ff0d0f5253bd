extension Duration {
    /// Whole milliseconds, clamped to the non-negative `Int32` range librdkafka's timeouts take.
    var rdKafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let (wholeMilliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? 0 : .max }
        return Int32(clamping: max(0, wholeMilliseconds + attoseconds / 1_000_000_000_000_000))
    }
}
