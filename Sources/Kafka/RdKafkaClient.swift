import CRdKafka
import Logging

/// One `rd_kafka_t` handle and the retained context its callbacks see.
///
/// librdkafka handles are thread-safe; the owner (producer or consumer) guarantees `destroy` runs once,
/// after every other use, which is why this is `@unchecked Sendable`.
struct RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: RdKafkaClientContext

    enum Kind {
        case producer
        case consumer
    }

    /// Creates a handle from `settings` (applied in order); `configure` installs further callbacks on the conf.
    static func make(
        kind: Kind,
        settings: [(String, String)],
        logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) -> RdKafkaClient {
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
        let context = RdKafkaClientContext(logger: logger)
        // Released by `destroy()` after rd_kafka_destroy returns, or below if the handle is never created.
        let opaque = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, opaque.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        // On success rd_kafka_new owns the conf; on failure it is still ours to destroy.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            opaque.release()
            throw KafkaError(.configuration, message: "creating the client: \(Self.string(errorText))")
        }
        return RdKafkaClient(handle: handle, context: context)
    }

    /// Destroys the handle (blocking: it joins librdkafka's threads), then releases the callbacks' context.
    func destroy() {
        rd_kafka_destroy(handle)
        Unmanaged.passUnretained(context).release()
    }

    /// librdkafka's fatal error, if one was raised; the client must then be recreated.
    func raisedFatalError() -> KafkaError? {
        var errorText = [CChar](repeating: 0, count: 512)
        let error = rd_kafka_fatal_error(handle, &errorText, errorText.count)
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            .pollFailed,
            rdKafkaCode: error.rawValue,
            message: "fatal client error: \(Self.string(errorText))"
        )
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
