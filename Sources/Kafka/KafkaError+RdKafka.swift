import CRdKafka

extension KafkaError {
    /// Maps a librdkafka error: connectivity and time-outs become `.brokerUnreachable`, purges `.closed`,
    /// anything else `fallback`.
    init(
        rdKafka error: rd_kafka_resp_err_t,
        fallback: Code,
        context: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        let code: Code =
            switch error {
            case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
                RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
                .brokerUnreachable
            case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
                .closed
            default:
                fallback
            }
        self.init(
            code,
            rdKafkaCode: error.rawValue,
            message: "\(context): \(String(cString: rd_kafka_err2str(error)))",
            file: file,
            line: line
        )
    }
}
