import Foundation

/// The HMAC keys tokens are signed and verified with, each named by a key id (`kid`), so a key can be
/// rotated: sign with the new one while tokens signed with the old one are still verified.
///
/// Configuration text is `kid:secret` for the signing key and a comma-separated list of the same for
/// keys that are only verified; a secret is base64 of at least 32 random bytes.
public struct TokenKeys: Sendable {
    /// One named key.
    public struct Key: Sendable, Equatable {
        /// The `kid` header value.
        public let id: String
        /// The HMAC secret.
        public let secret: [UInt8]
    }

    /// The key new tokens are signed with; it verifies too.
    public let signing: Key
    /// Older keys whose tokens are still accepted.
    public let verificationOnly: [Key]

    /// Reads `signing` (`kid:secret`) and `verificationOnly` (`kid:secret,kid:secret`, possibly empty).
    public init(signing: String, verificationOnly: String = "") throws(IdentityError) {
        self.signing = try Self.key(signing)
        self.verificationOnly = try verificationOnly.split(separator: ",").map { part throws(IdentityError) in
            try Self.key(String(part))
        }
        let ids = [self.signing.id] + self.verificationOnly.map(\.id)
        guard Set(ids).count == ids.count else {
            throw IdentityError(.invalidKeyConfiguration, "token key ids must be distinct")
        }
    }

    /// Every key that verifies.
    public var all: [Key] { [signing] + verificationOnly }

    private static let minimumSecretBytes = 32

    private static func key(_ text: String) throws(IdentityError) -> Key {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty,
            let secret = Data(base64Encoded: String(parts[1])), secret.count >= minimumSecretBytes
        else {
            // Never echo the text: it holds a secret.
            throw IdentityError(
                .invalidKeyConfiguration,
                "a token key must be kid:base64-secret with at least \(minimumSecretBytes) bytes of secret")
        }
        return Key(id: String(parts[0]), secret: Array(secret))
    }
}
