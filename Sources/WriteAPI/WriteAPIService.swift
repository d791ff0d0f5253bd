import Hummingbird
import Kafka
public import Logging
public import SeatlineRuntime

/// The write-api role: the HTTP server and the Kafka producer it publishes through.
public enum WriteAPIService {
    /// Serves until SIGTERM or SIGINT, then stops taking requests and flushes the producer.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafkaBrokers)
        producerConfiguration.deliveryTimeout = configuration.kafkaDeliveryTimeout
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let topic = configuration.kafkaTopic

        var settings = WriteRoutes.Settings()
        settings.limits = configuration.requestLimits
        settings.holdDuration = configuration.holdDuration
        settings.maxHoldDuration = configuration.maxHoldDuration
        settings.requestTimeToLive = configuration.requestTimeToLive
        let authenticator = try await RequestAuthenticator(configuration: configuration)

        let router = buildWriteRouter(
            publisher: KafkaCommandPublisher(producer: producer, topic: topic), authenticator: authenticator,
            settings: settings,
            checks: [.init("kafka") { await producer.isReachable(topic: topic, timeout: .seconds(1)) }], logger: logger)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort ?? 8081)),
            services: [ManagedClient(run: { try await producer.run() }, shutdown: { await producer.shutdown() })],
            logger: logger
        )
        try await app.runService()
    }
}
