/// Settings of a `KafkaConsumer`; every default works on the local stack.
public struct KafkaConsumerConfiguration: Sendable {
    /// The brokers to bootstrap from, as `host:port[,host:port]`.
    public var bootstrapServers: String
    /// The consumer group to join; the group's committed offsets are where reading resumes.
    public var groupID: String
    /// The topics to subscribe to.
    public var topics: [String]
    /// The client id the brokers see.
    public var clientID: String = "seatline"
    /// How long the group waits for a silent member before rebalancing (`session.timeout.ms`).
    public var sessionTimeout: Duration = .seconds(6)
    /// Whether a group without a committed offset starts at the earliest message (else the latest).
    public var startFromEarliest: Bool = true
    /// The longest a fetch may wait at the broker for data (`fetch.wait.max.ms`). Apache Kafka answers as soon as
    /// data arrives, but Tansu 0.6 sleeps before answering even a fetch that found data (a quarter second at
    /// librdkafka's default of 500 ms), and that sleep would be added to every command's latency.
    public var fetchMaxWait: Duration = .milliseconds(10)

    /// Creates a configuration with default settings.
    public init(bootstrapServers: String, groupID: String, topics: [String]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
    }
}
