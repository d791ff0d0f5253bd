/// The one error type of the Kafka module: what went wrong, librdkafka's code and where it was raised.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; extensible, compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A setting was rejected or the client could not be created.
        public static let configuration = Code("configuration")
        /// No broker answered in time: transport failure, all brokers down or the message timed out.
        public static let brokerUnreachable = Code("brokerUnreachable")
        /// The broker (or the local queue) refused the message for another reason.
        public static let deliveryFailed = Code("deliveryFailed")
        /// Subscribing to the consumer's topics failed.
        public static let subscriptionFailed = Code("subscriptionFailed")
        /// The consumer hit an error it cannot recover from.
        public static let pollFailed = Code("pollFailed")
        /// Committing consumed offsets failed.
        public static let commitFailed = Code("commitFailed")
        /// A consumer group's committed offsets or a partition's end could not be read.
        public static let offsetsUnavailable = Code("offsetsUnavailable")
        /// The client was shut down or closed.
        public static let closed = Code("closed")

        /// The code's name, such as `brokerUnreachable`.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// librdkafka's `rd_kafka_resp_err_t` value, when librdkafka reported one.
    public let rdKafkaCode: Int32?
    /// A human-readable explanation; never contains message payloads.
    public let message: String
    /// The source file that raised the error.
    public let file: String
    /// The source line that raised the error.
    public let line: Int
    /// A delivery failed after the message may already have reached the broker (librdkafka's message status is not
    /// NOT_PERSISTED): the broker may keep it and consumers may read it, so the failure does not mean "not sent".
    public internal(set) var possiblyPersisted = false

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(
        _ code: Code,
        rdKafkaCode: Int32? = nil,
        message: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.rdKafkaCode = rdKafkaCode
        self.message = message
        self.file = file
        self.line = line
    }

    /// The code, librdkafka's code when known, the message and the source location.
    public var description: String {
        let library = rdKafkaCode.map { " (rdkafka \($0))" } ?? ""
        return "KafkaError.\(code)\(library): \(message) [\(file):\(line)]"
    }
}
