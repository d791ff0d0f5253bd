import CRdKafka

/// Applies a group rebalance (called inside rd_kafka_consumer_poll/close on the consumer's queue) and records it
/// so `KafkaConsumer.poll` returns it in order with the messages.
let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, error, partitions, _ in
        guard let handle, let context = RdKafkaClientContext.of(handle) else { return }
        let logger = context.logger
        let isCooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let topicPartitions = KafkaTopicPartition.list(partitions)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if isCooperative {
                let failure = rd_kafka_incremental_assign(handle, partitions)
                logFailure(failure, of: "incremental assign", context: context)
            } else {
                logFailure(rd_kafka_assign(handle, partitions), of: "assign", context: context)
            }
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(topicPartitions.count)"])
            context.pendingEvents.withLock { $0.append(.partitionsAssigned(topicPartitions)) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if rd_kafka_assignment_lost(handle) != 0 {
                logger.warning("partitions lost: the group moved on without this consumer")
            }
            if isCooperative {
                let failure = rd_kafka_incremental_unassign(handle, partitions)
                logFailure(failure, of: "incremental unassign", context: context)
            } else {
                logFailure(rd_kafka_assign(handle, nil), of: "unassign", context: context)
            }
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(topicPartitions.count)"])
            context.pendingEvents.withLock { $0.append(.partitionsRevoked(topicPartitions)) }
        default:
            logger.error("rebalance failed", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(error)))"])
            logFailure(rd_kafka_assign(handle, nil), of: "unassign", context: context)
        }
    }

private func logFailure(_ error: rd_kafka_resp_err_t, of operation: String, context: RdKafkaClientContext) {
    guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
    let reason = String(cString: rd_kafka_err2str(error))
    context.logger.error("\(operation) failed", metadata: ["kafka.error": "\(reason)"])
}

private func logFailure(_ error: OpaquePointer?, of operation: String, context: RdKafkaClientContext) {
    guard let error else { return }
    defer { rd_kafka_error_destroy(error) }
    let reason = String(cString: rd_kafka_error_string(error))
    context.logger.error("\(operation) failed", metadata: ["kafka.error": "\(reason)"])
}

extension KafkaTopicPartition {
    /// Copies a librdkafka partition list (which librdkafka keeps owning).
    static func list(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return UnsafeBufferPointer(start: elements, count: Int(list.pointee.cnt)).map { element in
            KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
}
