import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on NIO's blocking thread pool: one hash costs tens of milliseconds of CPU, which would stall an
/// event loop or a cooperative thread.
struct PasswordHasher: Sendable {
    /// bcrypt's cost factor: 2^cost rounds.
    let cost: Int
    /// A hash of a password nobody knows, checked when an email has no account, so that refusal takes as long
    /// as a wrong password does.
    private let placeholderHash: String

    /// A hasher at `cost`; computes its placeholder hash once, now.
    init(cost: Int) {
        self.cost = cost
        placeholderHash = Bcrypt.hash(UUID().uuidString, cost: UInt8(cost))
    }

    /// A salted hash of `password`.
    func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (an unknown email) it is checked against the placeholder.
    func verify(_ password: String, against hash: String?) async throws -> Bool {
        let stored = hash ?? placeholderHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: stored) }
        return hash != nil && matches
    }
}
