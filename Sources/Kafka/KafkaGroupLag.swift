import CRdKafka
import Dispatch
public import Logging

/// How far a consumer group is behind a topic, read from outside the group: a consumer handle named after the group
/// that never subscribes, so it never joins and asking moves no partition. It reads the group's committed offsets
/// and each partition's end.
public final class KafkaGroupLag: Sendable {
    private let client: RdKafkaClient
    /// The reads block until the broker answers, so they run here.
    private let queue = DispatchQueue(label: "seatline.kafka.group-lag")

    /// A reader of `groupID`'s offsets on the brokers at `bootstrapServers`.
    public init(bootstrapServers: String, groupID: String, logger: Logger) throws(KafkaError) {
        var logger = logger
        logger[metadataKey: "kafka.client"] = "group-lag"
        logger[metadataKey: "kafka.group"] = "\(groupID)"
        client = try RdKafkaClient(
            kind: .consumer,
            settings: [
                ("bootstrap.servers", bootstrapServers),
                ("client.id", "seatline-group-lag"),
                ("group.id", groupID),
                ("enable.auto.commit", "false"),
                ("reconnect.backoff.max.ms", "1000"),
            ],
            logger: logger)
    }

    deinit {
        // rd_kafka_destroy blocks while it joins librdkafka's threads.
        let client = client
        queue.async { withExtendedLifetime(client) {} }
    }

    /// The messages of `topic` stored past the group's committed offsets, summed over the partitions; a partition
    /// the group never committed on counts from its oldest stored message. Each broker request waits up to `timeout`.
    public func messagesBehind(on topic: String, timeout: Duration) async throws(KafkaError) -> Int64 {
        try await queue.blocking { () throws(KafkaError) in try self.messagesBehindOnQueue(topic, timeout) }
    }

    private func messagesBehindOnQueue(_ topic: String, _ timeout: Duration) throws(KafkaError) -> Int64 {
        let partitions = try client.partitionCount(of: topic, timeout: timeout)
        guard let list = rd_kafka_topic_partition_list_new(partitions) else {
            throw KafkaError(.offsetsUnavailable, message: "cannot allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in 0..<partitions {
            rd_kafka_topic_partition_list_add(list, topic, partition)
        }
        let committed = rd_kafka_committed(client.handle, list, timeout.rdKafkaMilliseconds)
        guard committed == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafka: committed, fallback: .offsetsUnavailable, context: "reading committed offsets")
        }
        var behind: Int64 = 0
        for entry in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)) {
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(
                    rdKafka: entry.err, fallback: .offsetsUnavailable,
                    context: "reading the committed offset of partition \(entry.partition)")
            }
            var oldest: Int64 = 0
            var end: Int64 = 0
            let watermarks = rd_kafka_query_watermark_offsets(
                client.handle, topic, entry.partition, &oldest, &end, timeout.rdKafkaMilliseconds)
            guard watermarks == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(
                    rdKafka: watermarks, fallback: .offsetsUnavailable,
                    context: "reading the end of partition \(entry.partition)")
            }
            // No commit yet is RD_KAFKA_OFFSET_INVALID (-1001); the group then starts at the oldest message.
            behind += max(0, end - max(entry.offset, oldest))
        }
        return behind
    }
}
