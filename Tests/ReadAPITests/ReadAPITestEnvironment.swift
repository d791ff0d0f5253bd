import Foundation
import Logging
import Postgres
import SeatlineRuntime
import Testing

/// The local stack's read DB. Each test gets its own copy of the read model, a schema of the read DB that
/// it fills itself, so tests run in parallel with each other and with a running sync.
enum ReadAPITestEnvironment {
    static let readURL =
        ProcessInfo.processInfo.environment["SEATLINE_READ_DATABASE_URL"]
        ?? "postgresql://seatline:seatline@127.0.0.1:55432/seatline_read"
    /// Three levels up from Tests/ReadAPITests/ReadAPITestEnvironment.swift.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let logger = Logger(label: "seatline.read-api-tests")

    /// Runs `body` with a client whose tables are a fresh, migrated read model; drops it afterwards.
    static func withScratchViews<R>(_ body: (_ views: PostgresClient) async throws -> R) async throws -> R {
        let admin = PostgresClient(configuration: PostgresConfiguration(url: readURL), logger: logger)
        let schema = "read_api_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let separator = readURL.contains("?") ? "&" : "?"
        let views = PostgresClient(
            configuration: PostgresConfiguration(url: readURL + separator + "options=-csearch_path%3D\(schema)"),
            logger: logger)
        func cleanUp() async {
            await views.close()
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            await admin.close()
        }
        do {
            // The schema name is generated above from hex digits only, so it can be spliced.
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
