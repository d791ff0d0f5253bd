/// Settings of a `KafkaProducer`; every default works on the local stack.
public struct KafkaProducerConfiguration: Sendable {
    /// The brokers to bootstrap from, as `host:port[,host:port]`.
    public var bootstrapServers: String
    /// The client id the brokers see.
    public var clientID: String = "seatline"
    /// How long a send may wait for the broker's acknowledgement before it fails (`message.timeout.ms`).
    public var deliveryTimeout: Duration = .seconds(5)
    /// How long messages wait locally to be batched together (`linger.ms`). Under load, fewer and larger batches
    /// cost the broker less per message (Tansu's in-memory store lists every stored batch on each fetch).
    public var linger: Duration = .milliseconds(5)
    /// The largest message accepted (`message.max.bytes`): an event of 100,000 seats is a few megabytes, over
    /// librdkafka's 1 MB default. The broker must accept as much (Apache Kafka's `message.max.bytes`).
    public var maxMessageBytes = 16 * 1024 * 1024

    /// Creates a configuration with default settings for the given brokers.
    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }
}
