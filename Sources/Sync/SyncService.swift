import Cluster
import Hummingbird
public import Logging
import Postgres
public import SeatlineRuntime

/// The `sync` role: projects the journal into the read DB and serves its health and metrics.
public enum SyncService {
    /// The HTTP port when `SEATLINE_HTTP_PORT` is not set.
    public static let defaultPort = 8084

    /// Runs the projector and `/healthz`, `/readyz`, `/metrics` until SIGTERM or SIGINT, then shuts down gracefully.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        try await withDatabases(configuration, logger: logger) { journal, views in
            let projector = Projector(journal: journal, views: views, logger: logger)
            let node = try await ClusterNode.register(
                role: "sync", defaultPort: defaultPort, store: ClusterStore(database: journal),
                configuration: configuration, logger: logger)
            let router = Router()
            router.addSeatlineMiddleware(logger: logger)
            OperationalRoutes(checks: [
                .init("write_db") { await journal.isReachable() },
                .init("read_db") { await views.isReachable() },
            ]).register(on: router)
            let app = Application(
                router: router,
                configuration: .init(
                    address: .hostname(configuration.httpHost, port: configuration.httpPort ?? defaultPort)),
                services: [projector, node.service],
                logger: logger)
            try await app.runService()
        }
    }

    /// Empties the read DB's views and checkpoint, projects the whole journal, and returns.
    public static func rebuild(configuration: SeatlineConfiguration, logger: Logger) async throws {
        try await withDatabases(configuration, logger: logger) { journal, views in
            let projector = Projector(journal: journal, views: views, logger: logger)
            let count = try await projector.rebuild()
            let checkpoint = try await projector.checkpoint()
            logger.notice("rebuilt the read views", metadata: ["entries": "\(count)", "checkpoint": "\(checkpoint)"])
        }
    }

    /// Runs `body` with both databases and closes them afterwards, whether `body` throws or not.
    private static func withDatabases(
        _ configuration: SeatlineConfiguration, logger: Logger,
        _ body: (_ journal: PostgresClient, _ views: PostgresClient) async throws -> Void
    ) async throws {
        let (journal, views) = databases(configuration, logger: logger)
        let result: Result<Void, any Error>
        do {
            try await body(journal, views)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await journal.close()
        await views.close()
        try result.get()
    }

    private static func databases(
        _ configuration: SeatlineConfiguration, logger: Logger
    ) -> (journal: PostgresClient, views: PostgresClient) {
        // Pools open connections lazily: the projector uses one of each, readiness checks another.
        var journal = PostgresConfiguration(url: configuration.writeDatabaseURL)
        journal.connectionCount = configuration.databasePoolSize
        journal.applicationName = "seatline-sync"
        var views = PostgresConfiguration(url: configuration.readDatabaseURL)
        views.connectionCount = configuration.databasePoolSize
        views.applicationName = "seatline-sync"
        return (
            PostgresClient(configuration: journal, logger: logger), PostgresClient(configuration: views, logger: logger)
        )
    }
}
