import CRdKafka
import Dispatch
public import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`) whose sends return once the broker acked.
///
/// Call `run()` (it serves delivery reports on a dedicated thread) and `shutdown()` to flush and release the client.
/// When a message times out the producer replaces its librdkafka client: a broker that lost its state (such as the
/// local stack's in-memory broker after a restart) rejects the old producer id forever, and only a new client gets
/// a new one. Messages still queued on the old client then fail with `.brokerUnreachable`.
public final class KafkaProducer: Sendable {
    private struct State {
        var lifecycle = ProducerStateMachine()
        /// The current client; nil once draining is over.
        var client: RdKafkaClient?
    }

    private let configuration: KafkaProducerConfiguration
    private let settings: [(String, String)]
    private let logger: Logger
    private let state: Mutex<State>
    /// Runs the poll loop, client replacement and the final flush; drops old clients, so rd_kafka_destroy runs here.
    private let pollQueue = DispatchQueue(label: "seatline.kafka.producer.poll")
    /// Runs blocking metadata requests so they never stall the poll loop.
    private let metadataQueue = DispatchQueue(label: "seatline.kafka.producer.metadata")

    /// Creates the librdkafka producer; nothing is sent until the first `send`.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        var logger = logger
        logger[metadataKey: "kafka.client"] = "producer"
        let settings = [
            ("bootstrap.servers", configuration.bootstrapServers),
            ("client.id", configuration.clientID),
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", "\(configuration.deliveryTimeout.rdKafkaMilliseconds)"),
            ("linger.ms", "\(configuration.linger.rdKafkaMilliseconds)"),
            ("message.max.bytes", "\(configuration.maxMessageBytes)"),
            // Topics are created explicitly: a metadata request must not create one with the broker's defaults.
            ("allow.auto.create.topics", "false"),
            // librdkafka backs off up to 10 s by default; a restarted broker should be found again quickly.
            ("reconnect.backoff.max.ms", "1000"),
        ]
        let client = try Self.makeClient(settings: settings, logger: logger)
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        self.state = Mutex(State(client: client))
    }

    deinit {
        // The poll loop retains self, so only a producer that never ran can still own a client here.
        guard let client = state.withLock({ $0.client.take() }) else { return }
        pollQueue.async { withExtendedLifetime(client) {} }
    }

    /// Serves delivery reports until `shutdown()` is called or the task is cancelled, then flushes and returns.
    public func run() async throws {
        startPollLoop(state.withLock { $0.lifecycle.run() })
        await withTaskCancellationHandler {
            await waitUntilFinished()
        } onCancel: {
            startPollLoop(state.withLock { $0.lifecycle.shutdown() })
        }
    }

    /// Stops accepting sends, flushes pending messages for up to `deliveryTimeout`, destroys the client; idempotent.
    public func shutdown() async {
        startPollLoop(state.withLock { $0.lifecycle.shutdown() })
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
        await withCheckedContinuation { continuation in
            metadataQueue.async {
                // The client is taken here, not in the async caller, so its last release never lands on the pool.
                let client = self.state.withLock { $0.lifecycle.acceptsWork ? $0.client : nil }
                let reachable = client.map { Self.hasMetadata(on: $0, topic: topic, timeout: timeout) } ?? false
                continuation.resume(returning: reachable)
            }
        }
    }

    private static func makeClient(settings: [(String, String)], logger: Logger) throws(KafkaError) -> RdKafkaClient {
        try RdKafkaClient(kind: .producer, settings: settings, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
    }

    private func enqueue(
        topic: String,
        key: [UInt8],
        value: [UInt8],
        continuation: CheckedContinuation<DeliveryOutcome, Never>
    ) {
        // Released by deliveryReportCallback once the broker answers, or below when librdkafka refuses the message.
        let report = Unmanaged.passRetained(DeliveryReport(topic: topic, continuation: continuation))
        // Under the lock: shutdown cannot begin (and the final flush cannot start) between the check and the
        // enqueue, and a client replacement cannot retire the client mid-call. produceva does not block.
        let result: Result<Void, KafkaError> = state.withLock { state in
            guard state.lifecycle.acceptsWork, let client = state.client else {
                return .failure(KafkaError(.closed, message: "the producer is shut down"))
            }
            return Self.produce(on: client, topic: topic, key: key, value: value, opaque: report.toOpaque())
        }
        guard case .failure(let error) = result else { return }
        // Not enqueued, so no delivery report will come: the report is ours to release.
        report.release()
        if error.rdKafkaCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue {
            continuation.resume(returning: .queueFull)
        } else {
            continuation.resume(returning: .failed(error))
        }
    }

    private static func produce(
        on client: RdKafkaClient,
        topic: String,
        key: [UInt8],
        value: [UInt8],
        opaque: UnsafeMutableRawPointer
    ) -> Result<Void, KafkaError> {
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
                    fields[4].u.ptr = opaque
                    return rd_kafka_produceva(client.handle, fields, fields.count)
                }
            }
        }
        guard let failure else { return .success(()) }
        let code = rd_kafka_error_code(failure)
        rd_kafka_error_destroy(failure)
        if code == RD_KAFKA_RESP_ERR__FATAL, let fatal = client.raisedFatalError(as: .deliveryFailed) {
            return .failure(fatal)
        }
        return .failure(KafkaError(rdKafka: code, fallback: .deliveryFailed, context: "enqueueing to topic \(topic)"))
    }

    private static func hasMetadata(on client: RdKafkaClient, topic: String, timeout: Duration) -> Bool {
        (try? client.partitionCount(of: topic, timeout: timeout)).map { $0 > 0 } ?? false
    }

    private func startPollLoop(_ action: ProducerStateMachine.LoopAction) {
        guard action == .startPollLoop else { return }
        pollQueue.async { self.pollUntilShutdown() }
    }

    private func waitUntilFinished() async {
        await withCheckedContinuation { continuation in
            if !state.withLock({ $0.lifecycle.waitForFinish(continuation) }) {
                continuation.resume()
            }
        }
    }

    /// Makes the current client fail as when the broker refuses its sequence numbers, so tests can watch the
    /// recovery without a broker that forgets producers.
    func raiseFatalErrorForTesting() {
        guard let client = state.withLock({ $0.client }) else { return }
        _ = rd_kafka_test_fatal_error(client.handle, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "raised by a test")
    }

    /// The poll loop: serves delivery reports, replaces the client after a timeout or a fatal error, then drains
    /// and releases it.
    private func pollUntilShutdown() {
        while let client = state.withLock({ $0.lifecycle.keepsPolling ? $0.client : nil }) {
            if client.context.replacementRequested.load(ordering: .relaxed) {
                replace(client)
            } else {
                rd_kafka_poll(client.handle, 100)
            }
        }
        drain()
        for waiter in state.withLock({ $0.lifecycle.finish() }) {
            waiter.resume()
        }
    }

    private func replace(_ retired: RdKafkaClient) {
        retired.context.replacementRequested.store(false, ordering: .relaxed)
        let fresh: RdKafkaClient
        do {
            fresh = try Self.makeClient(settings: settings, logger: logger)
        } catch {
            logger.error("could not replace the client; keeping the current one", metadata: ["error": "\(error)"])
            return
        }
        let swapped = state.withLock { state in
            guard state.lifecycle.keepsPolling else { return false }
            state.client = fresh
            return true
        }
        guard swapped else { return }
        logger.warning(
            "replaced the client after a timed-out message or a fatal error; the broker may have lost its producer state"
        )
        // No send can reach the retired client any more; fail what it still holds and release it here.
        retired.context.isRetired.store(true, ordering: .relaxed)
        failQueuedMessages(on: retired)
    }

    /// Purges queued and in-flight messages, then serves their delivery reports so every waiting send returns.
    private func failQueuedMessages(on client: RdKafkaClient) {
        rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_flush(client.handle, configuration.deliveryTimeout.rdKafkaMilliseconds)
    }

    /// Flushes the current client for up to `deliveryTimeout`, fails what is left, and releases the client.
    private func drain() {
        guard let client = state.withLock({ $0.client }) else { return }
        let flushed = rd_kafka_flush(client.handle, configuration.deliveryTimeout.rdKafkaMilliseconds)
        if flushed != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning(
                "flush timed out; failing the messages still queued",
                metadata: ["kafka.queued": "\(rd_kafka_outq_len(client.handle))"]
            )
            failQueuedMessages(on: client)
        }
        // The last reference usually goes at the end of this scope; a metadata request still running keeps the
        // client until it returns, on the metadata queue.
        state.withLock { $0.client = nil }
        logger.debug("producer closed")
    }
}
