import Foundation
import Logging
import Postgres
import SeatlineRuntime
import SeatlineTestSupport
import Testing

/// The local stack's read DB. Each test gets its own copy of the read model, a schema of the read DB that
/// it fills itself, so tests run in parallel with each other and with a running sync.
enum ReadAPITestEnvironment {
    static let logger = Logger(label: "seatline.read-api-tests")

    /// Runs `body` with a client whose tables are a fresh, migrated read model; drops it afterwards.
    static func withScratchViews<R>(_ body: (_ views: PostgresClient) async throws -> R) async throws -> R {
        try await LocalStack.withScratchReadModel(logger: logger, body)
    }
}
