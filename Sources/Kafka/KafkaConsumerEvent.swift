/// What `KafkaConsumer.poll` returns, in the order the consumer saw it.
public enum KafkaConsumerEvent: Sendable {
    /// A message from an assigned partition.
    case message(KafkaConsumerMessage)
    /// The group gave these partitions to this consumer.
    case partitionsAssigned([KafkaTopicPartition])
    /// The group took these partitions away; uncommitted work on them will be redelivered elsewhere.
    case partitionsRevoked([KafkaTopicPartition])
}
