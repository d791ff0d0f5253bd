public import Foundation
import JWTKit

/// Signs access tokens with the signing key of `TokenKeys`: the accounts role at log-in, and the load
/// tool and the test suites for synthetic users (no bcrypt per synthetic user).
public struct TokenIssuer: Sendable {
    private let keys: JWTKeyCollection
    private let signingKeyID: JWKIdentifier
    private let issuer: String
    /// How long a token is accepted.
    public let lifetime: Duration

    /// An issuer signing with `keys.signing` as `issuer`, tokens valid for `lifetime`.
    public init(keys: TokenKeys, issuer: String, lifetime: Duration) async {
        self.keys = await keys.collection()
        signingKeyID = JWKIdentifier(string: keys.signing.id)
        self.issuer = issuer
        self.lifetime = lifetime
    }

    /// A signed token for `identity`, issued at `now`.
    public func token(for identity: VerifiedIdentity, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(identity: identity, issuer: issuer, issuedAt: now, lifetime: lifetime)
        return try await keys.sign(claims, kid: signingKeyID)
    }
}

extension TokenKeys {
    /// jwt-kit's collection of every key, each only under its own `kid` and none as the default: a token
    /// whose `kid` is unknown then finds no key at all instead of falling back to one.
    func collection() async -> JWTKeyCollection {
        let collection = JWTKeyCollection()
        for key in all {
            await collection.add(
                hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        }
        return collection
    }
}
