import Accounts
import ArgumentParser
import Foundation
import Identity
import LoadGenerator
import Logging
import Postgres
import ReadAPI
import SeatlineRuntime
import Sync
import Worker
import WriteAPI

/// The one executable: a subcommand per role. Settings come from the environment
/// (`SeatlineConfiguration`); the roles' modules hold all the logic.
@main
struct Seatline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seatline: a CQRS, event-sourced ticket-booking backend.",
        subcommands: [
            AccountsCommand.self, WriteAPICommand.self, WorkerCommand.self, SyncCommand.self, ReadAPICommand.self,
            MigrateCommand.self, LoadCommand.self, TokensCommand.self,
        ]
    )
}

/// Reads the configuration and sets up logging and metrics, the same way for every role.
func prepare(label: String) throws -> (SeatlineConfiguration, Logger) {
    let configuration = try SeatlineConfiguration.fromEnvironment()
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    var logger = Logger(label: "seatline.\(label)")
    logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
    SeatlineMetrics.bootstrap()
    return (configuration, logger)
}

struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "Registers users, logs them in with access tokens; makes administrators.",
        subcommands: [Serve.self, CreateAdmin.self], defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serves registration, log-in and profiles.")

        func run() async throws {
            let (configuration, logger) = try prepare(label: "accounts")
            try await AccountsService.run(configuration: configuration, logger: logger)
        }
    }

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-admin", abstract: "Makes the account of an email an administrator (creating it).")

        @Option(help: "The administrator's email.") var email: String
        @Option(help: "Their password, 10 characters at least.") var password: String
        @Option(help: "Their name.") var name = ""

        func run() async throws {
            let (configuration, logger) = try prepare(label: "accounts")
            let userID = try await AccountsService.createAdministrator(
                email: email, password: password, name: name, configuration: configuration, logger: logger)
            print("administrator \(email.lowercased()) has user id \(userID)")
        }
    }
}

struct WriteAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-api", abstract: "Accepts booking commands and answers 202 once Kafka has them.")

    func run() async throws {
        let (configuration, logger) = try prepare(label: "write-api")
        try await WriteAPIService.run(configuration: configuration, logger: logger)
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Applies booking commands from Kafka to the write DB, exactly once.")

    func run() async throws {
        let (configuration, logger) = try prepare(label: "worker")
        try await WorkerService.run(configuration: configuration, logger: logger)
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Projects the journal into the read DB.")

    @Flag(help: "Empty the read DB and project the whole journal again, then exit.")
    var rebuild = false

    func run() async throws {
        let (configuration, logger) = try prepare(label: "sync")
        if rebuild {
            try await SyncService.rebuild(configuration: configuration, logger: logger)
        } else {
            try await SyncService.run(configuration: configuration, logger: logger)
        }
    }
}

struct ReadAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-api", abstract: "Serves events, seat maps, bookings and live seat updates from the read DB.")

    func run() async throws {
        let (configuration, logger) = try prepare(label: "read-api")
        try await ReadAPIService.run(configuration: configuration, logger: logger)
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Applies the SQL migrations of the write DB and the read DB.")

    func run() async throws {
        let (configuration, logger) = try prepare(label: "migrate")
        let directory = URL(fileURLWithPath: configuration.migrationsDirectory)
        for (name, url) in [("write", configuration.writeDatabaseURL), ("read", configuration.readDatabaseURL)] {
            let database = PostgresClient(configuration: PostgresConfiguration(url: url), logger: logger)
            let applied = try await Migrator(
                directory: directory.appendingPathComponent(name), database: database, logger: logger
            ).migrate()
            await database.close()
            logger.info("\(name) database is current", metadata: ["applied": "\(applied)"])
        }
    }
}

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Prints one access token per line for synthetic users, signed with SEATLINE_TOKEN_SIGNING_KEY.",
        discussion: "For load tools such as wrk: synthetic users need no account, so no bcrypt per user.")

    @Option(help: "How many users.") var users = 1_000
    @Option(help: "Their user ids are PREFIX-0, PREFIX-1, ...") var prefix = "synthetic-user"

    func run() async throws {
        let (configuration, _) = try prepare(label: "tokens")
        let issuer = try await configuration.accessTokenIssuer()
        for user in 0..<users {
            print(try await issuer.token(for: VerifiedIdentity(userID: "\(prefix)-\(user)", role: .user)))
        }
    }
}

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drives the gateway with a booking or reading scenario and verifies the outcome.",
        discussion: "Prints a progress line, a summary, and writes load-<scenario>.json and .svg.")

    @Option(help: "flash-sale, spread or read-heavy.") var scenario = "flash-sale"
    @Option(help: "Gateway URL (default: SEATLINE_GATEWAY_URL or the local stack).") var gateway: String?
    @Option(help: "Seats per event.") var seats = 100_000
    @Option(help: "Events (spread).") var events = 20
    @Option(help: "Requests in all (default: twice the seats).") var requests: Int?
    @Option(help: "Seats in the flash sale's hot block.") var hotSeats = 1_000
    @Option(help: "Synthetic users the bookings come from, each with its own token.") var users = 10_000
    @Option(help: "Requests in flight (closed loop), or connections at most (open loop).") var concurrency = 64
    @Option(help: "Requests per second (open loop); without it the run is closed loop.") var rate: Int?
    @Option(help: "Bookings whose POST → visible latency is followed.") var visibilitySample = 2_000
    @Option(help: "Where to write the JSON and SVG (created if missing, before the run).") var output = "."

    func run() async throws {
        let (configuration, logger) = try prepare(label: "load")
        guard let chosen = LoadOptions.Scenario(rawValue: scenario) else {
            throw ValidationError("--scenario must be one of flash-sale, spread, read-heavy")
        }
        try ReportDirectory.prepare(output)
        var options = LoadOptions()
        options.scenario = chosen
        options.gatewayURL =
            gateway ?? ProcessInfo.processInfo.environment["SEATLINE_GATEWAY_URL"] ?? options.gatewayURL
        options.adminToken = configuration.adminToken.isEmpty ? options.adminToken : configuration.adminToken
        options.tokenKeys = try? configuration.tokenKeys()
        options.tokenIssuer = configuration.tokenIssuer
        options.users = users
        options.writeDatabaseURL = configuration.writeDatabaseURL
        options.readDatabaseURL = configuration.readDatabaseURL
        options.seats = seats
        options.events = events
        options.requests = requests
        options.hotSeats = hotSeats
        options.concurrency = concurrency
        options.rate = rate
        options.visibilitySample = visibilitySample
        options.outputDirectory = output
        let report = try await LoadRun(options: options, logger: logger).run()
        print(report.summary)
        try report.write(to: output)
        if report.lost > 0 || report.verification?.passed == false {
            throw ExitCode.failure
        }
    }
}
