import CRdKafka
import Logging
import Synchronization

/// One `rd_kafka_t` handle and the retained context its callbacks see; destroyed when the last reference goes.
///
/// librdkafka handles are thread-safe, hence `@unchecked Sendable`. Owners drop their last reference on a
/// dedicated queue, never on the cooperative pool, because rd_kafka_destroy blocks while it joins librdkafka's
/// threads.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    private let retainedContext: Unmanaged<RdKafkaClientContext>
    private let destroyFlags = Atomic<Int32>(0)

    var context: RdKafkaClientContext { retainedContext.takeUnretainedValue() }

    enum Kind {
        case producer
        case consumer
    }

    /// Creates a handle from `settings` (applied in order); `configure` installs further callbacks on the conf.
    init(
        kind: Kind,
        settings: [(String, String)],
        logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.configuration, message: "rd_kafka_conf_new failed")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in settings {
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration, message: "setting \(name): \(Self.string(errorText))")
            }
        }
        // Released in deinit after rd_kafka_destroy returns, or below if the handle is never created.
        let context = Unmanaged.passRetained(RdKafkaClientContext(logger: logger))
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        // On success rd_kafka_new owns the conf; on failure it is still ours to destroy.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(.configuration, message: "creating the client: \(Self.string(errorText))")
        }
        self.handle = handle
        self.retainedContext = context
    }

    deinit {
        rd_kafka_destroy_flags(handle, destroyFlags.load(ordering: .acquiring))
        retainedContext.release()
    }

    /// Makes the destruction skip the consumer close, so the group is not told the member left.
    func destroysWithoutLeavingTheGroup() {
        destroyFlags.store(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE, ordering: .releasing)
    }

    /// librdkafka's fatal error, if one was raised; the client must then be recreated.
    func raisedFatalError(as code: KafkaError.Code) -> KafkaError? {
        var errorText = [CChar](repeating: 0, count: 512)
        let error = rd_kafka_fatal_error(handle, &errorText, errorText.count)
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code, rdKafkaCode: error.rawValue, message: "fatal client error: \(Self.string(errorText))")
    }

    /// How many partitions `topic` has, asking a broker; blocks up to `timeout`, so never call it on the pool.
    func partitionCount(of topic: String, timeout: Duration) throws(KafkaError) -> Int32 {
        guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else {
            throw KafkaError(.configuration, message: "cannot name the topic \(topic)")
        }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, 0, topicHandle, &metadata, timeout.rdKafkaMilliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(rdKafka: error, fallback: .brokerUnreachable, context: "reading the metadata of \(topic)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else { return 0 }
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                rdKafka: entry.err, fallback: .brokerUnreachable, context: "reading the metadata of \(topic)")
        }
        return entry.partition_cnt
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
