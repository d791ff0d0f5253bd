import Cluster
import Hummingbird
import Kafka
public import Logging
import Postgres
import Redis
public import SeatlineRuntime
import Synchronization

/// The worker role: a node of the cluster that consumes booking commands from Kafka and, while it leads, runs the
/// expiry sweeper; and the operational HTTP routes, which carry the election's messages.
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

        let worker = Mutex<BookingWorker?>(nil)
        let node = try await ClusterNode.register(
            role: "worker", defaultPort: 8083, store: ClusterStore(database: database), configuration: configuration,
            work: .init(
                stop: { worker.withLock { $0 }?.suspend() }, start: { worker.withLock { $0 }?.resume() }),
            logger: logger)
        var logger = logger
        logger[metadataKey: "node"] = "\(node.nodeID)"

        let store = BatchStore(database: database, nodeID: node.nodeID)
        let clock = try await DatabaseClock.synchronized(with: database, logger: logger)
        let locks = SeatLocks(
            redis: redis, timeToLive: configuration.seatLockTimeToLive, maxWait: .seconds(1), logger: logger)
        let bookingWorker = BookingWorker(
            makeConsumer: { [logger, consumerConfiguration] in
                try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
            },
            store: store, locks: locks, batchSize: configuration.workerBatchSize, now: { clock.now() }, logger: logger)
        worker.withLock { $0 = bookingWorker }
        let sweeper = ExpirySweeper(
            store: store, interval: configuration.expiryInterval, transactionLogRows: configuration.transactionLogRows,
            leader: { node.leaderTerm.map { BatchStore.LeaderFence(nodeID: node.nodeID, term: $0) } },
            onFenced: { await node.fenced() }, now: { clock.now() }, logger: logger)

        let router = Router()
        router.addSeatlineMiddleware(logger: logger)
        OperationalRoutes(checks: [
            .init("postgres") { await database.isReachable() },
            .init("redis") { await redis.ping() },
        ]).register(on: router)
        node.register(on: router)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort ?? 8083)),
            services: [
                node.service, clock,
                ManagedClient(run: { try await bookingWorker.run() }, shutdown: { bookingWorker.stop() }),
                ManagedClient(run: { try await sweeper.run() }, shutdown: { sweeper.stop() }),
            ],
            logger: logger
        )
        try await app.runService()
        await database.close()
        redis.close()
    }
}
