public import Foundation
public import Logging
public import Postgres

/// Applies the versioned SQL files of one database (`sql/write` or `sql/read`) in name order, each
/// once, each in its own transaction with its version recorded, so running it again changes nothing.
public struct Migrator: Sendable {
    private let directory: URL
    private let database: PostgresClient
    private let logger: Logger

    /// A migrator for the files in `directory`.
    public init(directory: URL, database: PostgresClient, logger: Logger) {
        self.directory = directory
        self.database = database
        self.logger = logger
    }

    /// Applies every migration not applied yet; returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var applied: [String] = []
        for file in files {
            let version = file.deletingPathExtension().lastPathComponent
            let script = try String(contentsOf: file, encoding: .utf8)
            let isNew = try await database.withTransaction { connection in
                // Two migrators starting together (compose replicas, a test and the stack) queue here.
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                try await connection.execute(
                    script: """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                        """)
                let inserted = try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(version)) ON CONFLICT DO NOTHING")
                guard inserted.rowsAffected == 1 else { return false }
                try await connection.execute(script: script)
                return true
            }
            if isNew {
                logger.info("applied migration", metadata: ["version": "\(version)", "directory": "\(directory.path)"])
                applied.append(version)
            }
        }
        return applied
    }

    private static let lockKey: Int64 = 0x5EA7_0001
}
