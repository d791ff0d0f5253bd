import Foundation
import HTTPTypes
import Identity
import Logging
import Postgres
import SeatlineRuntime
import SeatlineTestSupport
import Testing

/// The local stack's read DB. Each test gets its own copy of the read model, a schema of the read DB that
/// it fills itself, so tests run in parallel with each other and with a running sync.
enum ReadAPITestEnvironment {
    static let logger = Logger(label: "seatline.read-api-tests")
    static let keys = try! TokenKeys(signing: "test:" + Data(repeating: 3, count: 32).base64EncodedString())
    static let adminToken = "read-tests-admin-token"

    static func authenticator() async -> RequestAuthenticator {
        RequestAuthenticator(verifier: await TokenVerifier(keys: keys, issuer: "seatline"), adminToken: adminToken)
    }

    /// `Authorization: Bearer` with a token of `user`.
    static func bearer(_ user: String) async throws -> HTTPFields {
        let issuer = await TokenIssuer(keys: keys, issuer: "seatline", lifetime: .seconds(60))
        return [.authorization: "Bearer \(try await issuer.token(for: VerifiedIdentity(userID: user, role: .user)))"]
    }

    /// Runs `body` with a client whose tables are a fresh, migrated read model; drops it afterwards.
    static func withScratchViews<R>(_ body: (_ views: PostgresClient) async throws -> R) async throws -> R {
        try await LocalStack.withScratchReadModel(logger: logger, body)
    }
}
