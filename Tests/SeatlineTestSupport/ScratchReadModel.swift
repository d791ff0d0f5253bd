public import Logging
public import Postgres
import SeatlineRuntime

extension LocalStack {
    /// Runs `body` with a client whose tables are a fresh, migrated read model in a schema of its
    /// own in the read DB (the role may not create databases), and drops the schema afterwards.
    public static func withScratchReadModel<R>(
        logger: Logger, _ body: (_ views: PostgresClient) async throws -> R
    ) async throws -> R {
        try await withScratchSchema(of: readDatabaseURL, migrations: "sql/read", logger: logger, body)
    }

    /// The same for the write model (journal, seats, bookings) in a schema of its own in the write DB.
    public static func withScratchWriteModel<R>(
        logger: Logger, _ body: (_ database: PostgresClient) async throws -> R
    ) async throws -> R {
        try await withScratchSchema(of: writeDatabaseURL, migrations: "sql/write", logger: logger, body)
    }

    private static func withScratchSchema<R>(
        of databaseURL: String, migrations: String, logger: Logger, _ body: (PostgresClient) async throws -> R
    ) async throws -> R {
        let admin = PostgresClient(configuration: PostgresConfiguration(url: databaseURL), logger: logger)
        let schema = uniqueName("scratch")
        let separator = databaseURL.contains("?") ? "&" : "?"
        let scratch = PostgresClient(
            configuration: PostgresConfiguration(url: databaseURL + separator + "options=-csearch_path%3D\(schema)"),
            logger: logger)
        func cleanUp() async {
            await scratch.close()
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            await admin.close()
        }
        do {
            // uniqueName yields letters, digits and underscores only, so the name can be spliced.
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            try await Migrator(
                directory: repository.appendingPathComponent(migrations), database: scratch, logger: logger
            ).migrate()
            let result = try await body(scratch)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }
}
