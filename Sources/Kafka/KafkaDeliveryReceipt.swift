/// Where the broker stored an acknowledged message.
public struct KafkaDeliveryReceipt: Sendable, Equatable {
    /// The topic the message was written to.
    public let topic: String
    /// The partition the message was written to.
    public let partition: Int32
    /// The message's offset within the partition.
    public let offset: Int64

    /// Creates a receipt.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
