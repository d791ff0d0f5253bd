import CRdKafka

/// How one `KafkaProducer.send` attempt ended.
enum DeliveryOutcome: Sendable {
    case delivered(KafkaDeliveryReceipt)
    case failed(KafkaError)
    /// librdkafka's local queue was full; nothing was enqueued, so the attempt may be retried.
    case queueFull
}

/// The per-message opaque librdkafka hands back in the delivery report: who is waiting for the broker's answer.
final class DeliveryReport: Sendable {
    let topic: String
    let continuation: CheckedContinuation<DeliveryOutcome, Never>

    init(topic: String, continuation: CheckedContinuation<DeliveryOutcome, Never>) {
        self.topic = topic
        self.continuation = continuation
    }
}

/// Called by rd_kafka_poll/rd_kafka_flush on the producer's poll thread, exactly once per enqueued message.
/// A timed-out message asks the poll loop to replace the client (see `KafkaProducer`).
let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        handle, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        // Balances the passRetained in KafkaProducer.enqueue: this callback owns and releases the report.
        let report = Unmanaged<DeliveryReport>.fromOpaque(opaque).takeRetainedValue()
        let error = message.pointee.err
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let clientContext = RdKafkaClientContext.of(handle)
            if error == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT {
                clientContext?.replacementRequested.store(true, ordering: .relaxed)
            }
            var failure = KafkaError(
                rdKafka: error,
                fallback: .deliveryFailed,
                context: "delivering a message to topic \(report.topic)"
            )
            if failure.code == .closed, clientContext?.isRetired.load(ordering: .relaxed) == true {
                failure = KafkaError(
                    .brokerUnreachable,
                    rdKafkaCode: error.rawValue,
                    message: "delivering a message to topic \(report.topic): no acknowledgement before the client "
                        + "was replaced"
                )
            }
            failure.possiblyPersisted = rd_kafka_message_status(message) != RD_KAFKA_MSG_STATUS_NOT_PERSISTED
            report.continuation.resume(returning: .failed(failure))
            return
        }
        let receipt = KafkaDeliveryReceipt(
            topic: report.topic,
            partition: message.pointee.partition,
            offset: message.pointee.offset
        )
        report.continuation.resume(returning: .delivered(receipt))
    }
