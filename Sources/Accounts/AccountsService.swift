import Cluster
import Hummingbird
public import Logging
import Postgres
public import SeatlineRuntime

/// The `accounts` role: registration, log-in (access tokens) and the caller's profile, over the `users`
/// table of the write DB. bcrypt's cost lives here, apart from the accept path.
public enum AccountsService {
    /// The HTTP port when `SEATLINE_HTTP_PORT` is not set.
    public static let defaultPort = 8085

    /// Serves until SIGTERM or SIGINT.
    public static func run(configuration: SeatlineConfiguration, logger: Logger) async throws {
        let issuer = try await configuration.accessTokenIssuer()
        let database = writeDatabase(configuration, logger: logger)
        let clock = try await DatabaseClock.synchronized(with: database, logger: logger)
        let authenticator = try await RequestAuthenticator(configuration: configuration, now: { clock.now() })
        let routes = AccountRoutes(
            store: AccountStore(database: database), hasher: PasswordHasher(cost: configuration.passwordHashCost),
            issuer: issuer, authenticator: authenticator, now: { clock.now() })
        let node = try await ClusterNode.register(
            role: "accounts", defaultPort: defaultPort, store: ClusterStore(database: database),
            configuration: configuration, logger: logger)
        let router = Router()
        router.addSeatlineMiddleware(logger: logger)
        OperationalRoutes(checks: [.init("write_db") { await database.isReachable() }]).register(on: router)
        routes.register(on: router)
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort ?? defaultPort),
                serverName: nil),
            services: [node.service, clock],
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// Makes `email` an administrator with `password`, creating the account if it has none; returns its user id.
    public static func createAdministrator(
        email: String, password: String, name: String, configuration: SeatlineConfiguration, logger: Logger
    ) async throws -> String {
        let registration = try AccountRequests.registration(email: email, password: password, name: name)
        let hash = try await PasswordHasher(cost: configuration.passwordHashCost).hash(registration.password)
        let database = writeDatabase(configuration, logger: logger)
        do {
            let userID = try await AccountStore(database: database).upsertAdministrator(
                email: registration.email, name: registration.name, passwordHash: hash)
            await database.close()
            return userID
        } catch {
            await database.close()
            throw error
        }
    }

    private static func writeDatabase(_ configuration: SeatlineConfiguration, logger: Logger) -> PostgresClient {
        var database = PostgresConfiguration(url: configuration.writeDatabaseURL)
        database.connectionCount = configuration.databasePoolSize
        database.applicationName = "seatline-accounts"
        return PostgresClient(configuration: database, logger: logger)
    }
}
