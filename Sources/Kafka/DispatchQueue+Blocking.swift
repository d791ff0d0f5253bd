import Dispatch

extension DispatchQueue {
    /// Runs `body` on this queue and awaits its result: librdkafka calls block, so they never run on Swift's
    /// cooperative pool.
    func blocking<Value: Sendable>(
        _ body: @escaping @Sendable () throws(KafkaError) -> Value
    ) async throws(KafkaError) -> Value {
        let result = await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: Result { () throws(KafkaError) in try body() }) }
        }
        return try result.get()
    }
}
