public import Foundation
public import Hummingbird
public import Identity

/// Who sent a request: the verified subject of its bearer token, or the operator holding the static
/// `SEATLINE_ADMIN_TOKEN`. Every role that reads tokens verifies them here, locally.
public struct RequestAuthenticator: Sendable {
    private let verifier: TokenVerifier
    private let adminToken: [UInt8]

    /// Verifies user tokens with `verifier`; `adminToken` (empty: none) also opens the admin endpoints.
    public init(verifier: TokenVerifier, adminToken: String) {
        self.verifier = verifier
        self.adminToken = Array(adminToken.utf8)
    }

    /// A role's authenticator: the configured token keys and issuer, and `SEATLINE_ADMIN_TOKEN`; token lifetimes
    /// are judged by `now` (the database's clock, so that a process whose own clock is off judges them alike).
    public init(configuration: SeatlineConfiguration, now: @escaping @Sendable () -> Date = Date.init) async throws {
        self.init(
            verifier: await TokenVerifier(
                keys: try configuration.tokenKeys(), issuer: configuration.tokenIssuer, now: now),
            adminToken: configuration.adminToken)
    }

    /// The token's identity; 401 without a valid token. The static admin token is no user and acts for none.
    public func user(_ request: Request) async throws(APIError) -> VerifiedIdentity {
        let token = try Self.bearerToken(request)
        do {
            return try await verifier.verify(token)
        } catch {
            throw APIError(
                .unauthorized, code: "invalid_token", message: "the access token is not valid: \(error.message)",
                headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
    }

    /// The identity of a reader: a user's token, or the static admin token as an administrator.
    public func reader(_ request: Request) async throws(APIError) -> VerifiedIdentity {
        if isStaticAdminToken(try Self.bearerToken(request)) { return Self.operator }
        return try await user(request)
    }

    /// Passes administrators (role `admin` or the static token); 401 without a token, 403 for other users.
    public func admin(_ request: Request) async throws(APIError) -> VerifiedIdentity {
        let identity = try await reader(request)
        guard identity.isAdmin else {
            throw APIError(.forbidden, code: "forbidden", message: "this endpoint is for administrators")
        }
        return identity
    }

    /// The holder of the static admin token.
    public static let `operator` = VerifiedIdentity(userID: "admin-token", role: .admin)

    private static func bearerToken(_ request: Request) throws(APIError) -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError(
                .unauthorized, code: "unauthorized", message: "this needs Authorization: Bearer <access token>",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        // The scheme is compared byte by byte: splitting and lower-casing the header cost 1.5% of write-api's CPU.
        let scheme = header.utf8.prefix(7)
        guard scheme.count == 7, header.utf8.count > 7,
            zip(scheme, "bearer ".utf8).allSatisfy({ given, wanted in
                given == wanted || given | 0x20 == wanted && wanted != 0x20
            })
        else {
            throw APIError(
                .unauthorized, code: "unauthorized", message: "the Authorization header must be Bearer <access token>",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return String(header.dropFirst(7))
    }

    private func isStaticAdminToken(_ token: String) -> Bool {
        let given = Array(token.utf8)
        // Compare every byte whatever the first difference, so timing reveals nothing of the token.
        var difference = UInt8(adminToken.count == given.count ? 0 : 1)
        for index in 0..<min(adminToken.count, given.count) { difference |= adminToken[index] ^ given[index] }
        return !adminToken.isEmpty && difference == 0
    }
}
