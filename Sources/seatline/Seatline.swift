import ArgumentParser
import Foundation
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
        subcommands: [WriteAPICommand.self, WorkerCommand.self, SyncCommand.self, ReadAPICommand.self, MigrateCommand.self]
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
