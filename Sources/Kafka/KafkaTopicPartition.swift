/// One partition of one topic.
public struct KafkaTopicPartition: Sendable, Hashable {
    /// The topic's name.
    public let topic: String
    /// The partition number within the topic.
    public let partition: Int32

    /// Creates a topic partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}
