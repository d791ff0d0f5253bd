/// A message read by a `KafkaConsumer`.
public struct KafkaConsumerMessage: Sendable, Equatable {
    /// The topic the message was read from.
    public let topic: String
    /// The partition the message was read from.
    public let partition: Int32
    /// The message's offset within the partition.
    public let offset: Int64
    /// The message key, or `nil` when the message has none.
    public let key: [UInt8]?
    /// The message payload.
    public let value: [UInt8]

    /// Creates a message.
    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }

    /// The partition this message belongs to.
    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }
}
