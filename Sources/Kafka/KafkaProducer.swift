import CRdKafka
import Dispatch
public import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`) whose sends return once the broker acked.
///
/// Call `run()` (it serves delivery reports on a dedicated thread) and `shutdown()` to flush and release the client.
public final class KafkaProducer: Sendable {
    private let configuration: KafkaProducerConfiguration
    private let client: RdKafkaClient
    private let logger: Logger
    private let state = Mutex(ProducerStateMachine())
    /// Runs the poll loop, then the flush and rd_kafka_destroy: the only place the handle is destroyed.
    private let pollQueue = DispatchQueue(label: "seatline.kafka.producer.poll")
    /// Runs blocking metadata requests so they never stall the poll loop.
    private let metadataQueue = DispatchQueue(label: "seatline.kafka.producer.metadata")

    /// Creates the librdkafka producer; nothing is sent until the first `send`.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "kafka.client"] = "producer"
        self.logger = logger
        let settings = [
            ("bootstrap.servers", configuration.bootstrapServers),
            ("client.id", configuration.clientID),
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", "\(configuration.deliveryTimeout.rdKafkaMilliseconds)"),
            ("linger.ms", "\(configuration.linger.rdKafkaMilliseconds)"),
            // librdkafka backs off up to 10 s by default; a restarted broker should be found again quickly.
            ("reconnect.backoff.max.ms", "1000"),
        ]
        client = try RdKafkaClient.make(kind: .producer, settings: settings, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
    }

    deinit {
        // Only an idle producer (never run, never shut down) still owns a handle here: the poll loop retains self.
        guard state.withLock({ $0.phase == .idle }) else { return }
        let client = client
        pollQueue.async { client.destroy() }
    }

    /// Serves delivery reports until `shutdown()` is called or the task is cancelled, then flushes and returns.
    public func run() async throws {
        startPollLoop(state.withLock { $0.run() })
        await withTaskCancellationHandler {
            await waitUntilFinished()
        } onCancel: {
            startPollLoop(state.withLock { $0.shutdown() })
        }
    }

    /// Stops accepting sends, flushes pending messages for up to `deliveryTimeout`, destroys the client; idempotent.
    public func shutdown() async {
        startPollLoop(state.withLock { $0.shutdown() })
        await waitUntilFinished()
    }

    /// Returns only after the broker acknowledged the message (delivery report), or throws within deliveryTimeout
    /// (plus about a second of slack). Needs `run()` to be running.
    public func send(topic: String, key: [UInt8], value: [UInt8]) async throws(KafkaError) -> KafkaDeliveryReceipt {
        let deadline = ContinuousClock.now.advanced(by: configuration.deliveryTimeout)
        while true {
            let outcome = await withCheckedContinuation { continuation in
                enqueue(topic: topic, key: key, value: value, continuation: continuation)
            }
            switch outcome {
            case .delivered(let receipt):
                return receipt
            case .failed(let error):
                throw error
            case .queueFull:
                guard ContinuousClock.now < deadline, !Task.isCancelled else {
                    throw KafkaError(.deliveryFailed, message: "the local producer queue stayed full")
                }
                // The poll loop drains the queue as delivery reports arrive; try again shortly.
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Asks the broker for metadata of `topic` within `timeout` — used by readiness checks.
    public func isReachable(topic: String, timeout: Duration) async -> Bool {
        guard state.withLock({ $0.acquireLease() }) else { return false }
        return await withCheckedContinuation { continuation in
            metadataQueue.async {
                let reachable = self.hasMetadata(topic: topic, timeout: timeout)
                self.state.withLock { $0.releaseLease() }
                continuation.resume(returning: reachable)
            }
        }
    }

    private func enqueue(
        topic: String,
        key: [UInt8],
        value: [UInt8],
        continuation: CheckedContinuation<DeliveryOutcome, Never>
    ) {
        guard state.withLock({ $0.acquireLease() }) else {
            continuation.resume(returning: .failed(KafkaError(.closed, message: "the producer is shut down")))
            return
        }
        defer { state.withLock { $0.releaseLease() } }
        // Released by deliveryReportCallback once the broker answers, or below when librdkafka refuses the message.
        let report = Unmanaged.passRetained(DeliveryReport(topic: topic, continuation: continuation))
        let failure = topic.withCString { topicName in
            key.withUnsafeBytes { keyBytes in
                value.withUnsafeBytes { valueBytes in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 5)
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topicName
                    fields[1].vtype = RD_KAFKA_VTYPE_KEY
                    fields[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                    fields[1].u.mem.size = keyBytes.count
                    fields[2].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                    fields[2].u.mem.size = valueBytes.count
                    // F_COPY: librdkafka copies key and value, so the Swift buffers may go away on return.
                    fields[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[3].u.i = RD_KAFKA_MSG_F_COPY
                    fields[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                    fields[4].u.ptr = report.toOpaque()
                    return rd_kafka_produceva(client.handle, fields, fields.count)
                }
            }
        }
        guard let failure else { return }
        let code = rd_kafka_error_code(failure)
        rd_kafka_error_destroy(failure)
        // Not enqueued, so no delivery report will come: the report is ours to release.
        report.release()
        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            continuation.resume(returning: .queueFull)
        } else {
            let error = KafkaError(rdKafka: code, fallback: .deliveryFailed, context: "enqueueing to topic \(topic)")
            continuation.resume(returning: .failed(error))
        }
    }

    private func hasMetadata(topic: String, timeout: Duration) -> Bool {
        guard let topicHandle = rd_kafka_topic_new(client.handle, topic, nil) else { return false }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(client.handle, 0, topicHandle, &metadata, timeout.rdKafkaMilliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            let reason = String(cString: rd_kafka_err2str(error))
            logger.debug("metadata request failed", metadata: ["kafka.error": "\(reason)"])
            return false
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        return topics.contains { entry in
            entry.err == RD_KAFKA_RESP_ERR_NO_ERROR && entry.partition_cnt > 0 && String(cString: entry.topic) == topic
        }
    }

    private func startPollLoop(_ action: ProducerStateMachine.LoopAction) {
        guard action == .startPollLoop else { return }
        pollQueue.async { self.pollUntilShutdown() }
    }

    private func waitUntilFinished() async {
        await withCheckedContinuation { continuation in
            if !state.withLock({ $0.waitForFinish(continuation) }) {
                continuation.resume()
            }
        }
    }

    /// The poll loop: serves delivery reports, then drains — waits for leases, flushes, purges leftovers — and
    /// destroys the handle.
    private func pollUntilShutdown() {
        let handle = client.handle
        while state.withLock({ $0.keepsPolling }) {
            rd_kafka_poll(handle, 100)
        }
        // Shutdown has begun: no new leases, but a send or metadata request may still be using the handle.
        while state.withLock({ $0.hasLeases }) {
            rd_kafka_poll(handle, 10)
        }
        let flushed = rd_kafka_flush(handle, configuration.deliveryTimeout.rdKafkaMilliseconds)
        if flushed != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning(
                "flush timed out; failing the messages still queued",
                metadata: ["kafka.queued": "\(rd_kafka_outq_len(handle))"]
            )
            rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            // Serves the purged messages' delivery reports so every send returns.
            rd_kafka_flush(handle, 1000)
        }
        client.destroy()
        logger.debug("producer closed")
        for waiter in state.withLock({ $0.finish() }) {
            waiter.resume()
        }
    }
}
