import Cluster
import Hummingbird
public import Logging
import Postgres
public import SeatlineRuntime

/// The `read-api` role: events, seat maps, bookings and live seat updates, served only from the read DB.
public enum ReadAPIService {
    /// The HTTP port when `SEATLINE_HTTP_PORT` is not set.
    public static let defaultPort = 8082

    /// Serves until SIGTERM or SIGINT, then ends the live streams and shuts down gracefully.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        var database = PostgresConfiguration(url: configuration.readDatabaseURL)
        database.connectionCount = configuration.databasePoolSize
        database.applicationName = "seatline-read-api"
        let views = PostgresClient(configuration: database, logger: logger)
        let feed = SeatChangeFeed(views: views, logger: logger)
        // The write DB only for this node's heartbeat and the clock: every read comes from the read DB.
        var cluster = PostgresConfiguration(url: configuration.writeDatabaseURL)
        cluster.connectionCount = 1
        cluster.applicationName = "seatline-read-api"
        let clusterDatabase = PostgresClient(configuration: cluster, logger: logger)
        let clock = try await DatabaseClock.synchronized(with: clusterDatabase, logger: logger)
        let authenticator = try await RequestAuthenticator(configuration: configuration, now: { clock.now() })
        let node = try await ClusterNode.register(
            role: "read-api", defaultPort: defaultPort, store: ClusterStore(database: clusterDatabase),
            configuration: configuration, logger: logger)
        let app = Application(
            router: buildReadRouter(
                views: views, feed: feed, authenticator: authenticator, now: { clock.now() }, logger: logger),
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort ?? defaultPort),
                serverName: nil),
            services: [feed, node.service, clock],
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await views.close()
            await clusterDatabase.close()
            throw error
        }
        await views.close()
        await clusterDatabase.close()
    }
}
