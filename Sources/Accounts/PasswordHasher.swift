import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on NIO's blocking thread pool: one hash costs tens of milliseconds of CPU, which would stall an
/// event loop or a cooperative thread.
///
/// bcrypt reads at most 72 bytes and stops at a zero byte, so it is given the password's SHA-256 in base64 (44
/// ASCII bytes) rather than the password: every character of a long passphrase counts, and no input is cut.
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
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (an unknown email) it is checked against the placeholder.
    func verify(_ password: String, against hash: String?) async throws -> Bool {
        let stored = hash ?? placeholderHash
        let input = Self.bcryptInput(password)
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: stored) }
        return hash != nil && matches
    }

    private static func bcryptInput(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }
}
