import Kafka
import Logging
import Metrics
import ServiceLifecycle

/// How many accepted commands no worker has decided yet, cluster-wide: the worker group's lag on the commands
/// topic, published as `seatline_commands_undecided` every `interval`. Offsets move only after the decision
/// committed, so the figure counts what is accepted and not yet decided (plus a batch in flight).
struct CommandBacklog: Service {
    private let lag: KafkaGroupLag
    private let topic: String
    private let interval: Duration
    private let logger: Logger
    private let undecided = Gauge(label: "seatline_commands_undecided")

    init(lag: KafkaGroupLag, topic: String, interval: Duration = .seconds(1), logger: Logger) {
        self.lag = lag
        self.topic = topic
        self.interval = interval
        self.logger = logger
    }

    /// Measures every `interval` until graceful shutdown; a failed reading keeps the last figure.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    undecided.record(try await lag.messagesBehind(on: topic, timeout: .seconds(2)))
                    failing = false
                } catch {
                    // Once per outage: the broker's own unreachability is logged by the producer.
                    if !failing { logger.notice("cannot read the workers' lag", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
