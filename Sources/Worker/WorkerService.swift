import Hummingbird
import Kafka
public import Logging
import Postgres
import Redis
public import SeatlineRuntime

/// The worker role: the Kafka consumer loop, the expiry sweeper, and the operational HTTP routes.
public enum WorkerService {
    /// Works until SIGTERM or SIGINT, then finishes and commits the batch in hand and leaves the group.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        var databaseConfiguration = PostgresConfiguration(url: configuration.writeDatabaseURL)
        databaseConfiguration.connectionCount = configuration.databasePoolSize
        let database = PostgresClient(configuration: databaseConfiguration, logger: logger)
        let redis = RedisClient(configuration: try RedisConfiguration(url: configuration.redisURL), logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: configuration.kafkaBrokers, groupID: configuration.kafkaGroup,
            topics: [configuration.kafkaTopic])
        consumerConfiguration.clientID = "seatline-worker"
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)

        let store = BatchStore(database: database)
        let locks = SeatLocks(
            redis: redis, timeToLive: configuration.seatLockTimeToLive, maxWait: .seconds(1), logger: logger)
        let worker = BookingWorker(
            consumer: consumer, store: store, locks: locks, batchSize: configuration.workerBatchSize, logger: logger)
        let sweeper = ExpirySweeper(
            database: database, store: store, interval: configuration.expiryInterval, logger: logger)

        let router = Router()
        router.addSeatlineMiddleware(logger: logger)
        OperationalRoutes(checks: [
            .init("postgres") { await database.isReachable() },
            .init("redis") { await redis.ping() },
        ]).register(on: router)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort ?? 8083)),
            services: [
                ManagedClient(run: { try await worker.run() }, shutdown: { worker.stop() }),
                ManagedClient(run: { try await sweeper.run() }, shutdown: { sweeper.stop() }),
            ],
            logger: logger
        )
        try await app.runService()
        await database.close()
        redis.close()
    }
}
