import Cluster
import Hummingbird
import Kafka
public import Logging
import Postgres
public import SeatlineRuntime

/// The write-api role: the HTTP server, the Kafka producer it publishes through, and the cluster's admin endpoints
/// over the write DB.
public enum WriteAPIService {
    /// Serves until SIGTERM or SIGINT, then stops taking requests and flushes the producer.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafkaBrokers)
        producerConfiguration.deliveryTimeout = configuration.kafkaDeliveryTimeout
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let topic = configuration.kafkaTopic
        let backlog = CommandBacklog(
            lag: try KafkaGroupLag(
                bootstrapServers: configuration.kafkaBrokers, groupID: configuration.kafkaGroup, logger: logger),
            topic: topic, logger: logger)

        var settings = WriteRoutes.Settings()
        settings.limits = configuration.requestLimits
        settings.holdDuration = configuration.holdDuration
        settings.maxHoldDuration = configuration.maxHoldDuration
        settings.requestTimeToLive = configuration.requestTimeToLive
        var databaseConfiguration = PostgresConfiguration(url: configuration.writeDatabaseURL)
        databaseConfiguration.connectionCount = 4
        let database = PostgresClient(configuration: databaseConfiguration, logger: logger)
        let clock = try await DatabaseClock.synchronized(with: database, logger: logger)
        let authenticator = try await RequestAuthenticator(configuration: configuration, now: { clock.now() })
        let cluster = ClusterStore(database: database)
        let node = try await ClusterNode.register(
            role: "write-api", defaultPort: 8081, store: cluster, configuration: configuration, logger: logger)
        let sales = SalesSwitch(store: cluster, logger: logger)
        let admin = ClusterAdminRoutes(
            store: cluster, authenticator: authenticator, sales: sales, nodeTimeout: configuration.nodeTimeout)

        let router = buildWriteRouter(
            publisher: KafkaCommandPublisher(producer: producer, topic: topic), authenticator: authenticator,
            settings: settings,
            checks: [
                .init("kafka") { await producer.isReachable(topic: topic, timeout: .seconds(1)) },
                .init("postgres") { await database.isReachable() },
            ],
            salesActive: { sales.isActive }, now: { clock.now() }, extraRoutes: { admin.register(on: $0) },
            logger: logger)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort ?? 8081)),
            services: [
                ManagedClient(run: { try await producer.run() }, shutdown: { await producer.shutdown() }),
                node.service, ManagedClient(run: { try await sales.run() }, shutdown: { sales.stop() }), clock,
                backlog,
            ],
            logger: logger
        )
        try await app.runService()
        await database.close()
    }
}
