import CRdKafka
import Logging
import Synchronization

/// What librdkafka's callbacks reach through the handle's opaque pointer: the logger, the consumer's pending
/// events and the producer's replacement signals.
final class RdKafkaClientContext: Sendable {
    let logger: Logger
    /// Consumer only: rebalance events and messages in the order the consumer saw them, not yet returned.
    let pendingEvents = Mutex<[KafkaConsumerEvent]>([])
    /// Producer only: a message timed out, so the broker may have lost this client's idempotence state, or the
    /// client hit a fatal error (the broker refused its sequence numbers) and can send nothing more.
    let replacementRequested = Atomic(false)
    /// Producer only: the client was replaced; its purged messages failed for lack of a broker, not a shutdown.
    let isRetired = Atomic(false)

    init(logger: Logger) {
        self.logger = logger
    }

    /// The context behind a handle created by `RdKafkaClient.make`; the handle owns the reference.
    static func of(_ handle: OpaquePointer?) -> RdKafkaClientContext? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// Routes librdkafka's own log lines (called from its internal threads) to the client's logger.
let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, text in
    guard let context = RdKafkaClientContext.of(handle), let text else { return }
    let logLevel: Logger.Level =
        switch level {
        case ...3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    context.logger.log(
        level: logLevel,
        "\(String(cString: text))",
        metadata: ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}

/// Logs errors librdkafka reports outside any single request (e.g. all brokers down); they are retried internally,
/// except a producer's fatal error, after which only a new client can send.
let rdKafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        handle, error, reason, _ in
        guard let context = RdKafkaClientContext.of(handle) else { return }
        let isFatal = error == RD_KAFKA_RESP_ERR__FATAL.rawValue
        if isFatal && rd_kafka_type(handle) == RD_KAFKA_PRODUCER {
            context.replacementRequested.store(true, ordering: .relaxed)
        }
        context.logger.log(
            level: isFatal ? .critical : .warning,
            "librdkafka error: \(reason.map { String(cString: $0) } ?? "")",
            metadata: ["rdkafka.code": "\(error)"]
        )
    }
