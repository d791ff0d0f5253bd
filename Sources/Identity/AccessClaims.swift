public import Foundation
public import JWTKit

/// The claims of a Seatline access token: `sub` (user id), `role`, `iss`, `iat` and `exp`.
public struct AccessClaims: JWTPayload, Equatable {
    /// The user id.
    public var sub: SubjectClaim
    /// `user` or `admin`.
    public var role: UserRole
    /// Who issued the token; verifiers accept only their configured issuer.
    public var iss: IssuerClaim
    /// When the token was issued.
    public var iat: IssuedAtClaim
    /// When the token stops being accepted.
    public var exp: ExpirationClaim

    /// Claims for `identity`, issued at `issuedAt` by `issuer` and valid for `lifetime`.
    public init(identity: VerifiedIdentity, issuer: String, issuedAt: Date, lifetime: Duration) {
        sub = SubjectClaim(value: identity.userID)
        role = identity.role
        iss = IssuerClaim(value: issuer)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: issuedAt.addingTimeInterval(TimeInterval(lifetime.components.seconds)))
    }

    /// Called by jwt-kit once the signature holds. The issuer and the expiry are checked by `TokenVerifier`, which
    /// knows the issuer and judges `exp` by its own clock (the database's): `verifyNotExpired()` would read this
    /// process's wall clock, and a token valid everywhere else would be refused by a process whose clock is off.
    public func verify(using algorithm: some JWTAlgorithm) throws {}
}
