public import Logging
public import Postgres
import SeatlineRuntime

extension LocalStack {
    /// Runs `body` with a client whose tables are a fresh, migrated read model in a schema of its
    /// own in the read DB (the role may not create databases), and drops the schema afterwards.
    public static func withScratchReadModel<R>(
        logger: Logger, _ body: (_ views: PostgresClient) async throws -> R
    ) async throws -> R {
        let admin = PostgresClient(configuration: PostgresConfiguration(url: readDatabaseURL), logger: logger)
        let schema = uniqueName("scratch_read")
        let separator = readDatabaseURL.contains("?") ? "&" : "?"
        let views = PostgresClient(
            configuration: PostgresConfiguration(
                url: readDatabaseURL + separator + "options=-csearch_path%3D\(schema)"),
            logger: logger)
        func cleanUp() async {
            await views.close()
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            await admin.close()
        }
        do {
            // uniqueName yields letters, digits and underscores only, so the name can be spliced.
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            try await Migrator(
                directory: repository.appendingPathComponent("sql/read"), database: views, logger: logger
            ).migrate()
            let result = try await body(views)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }
}
