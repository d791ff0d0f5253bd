import BookingDomain
import Foundation
public import Hummingbird
import Identity
import JSONBytes
import Metrics
import SeatlineRuntime

/// `POST /api/users` (register), `POST /api/sessions` (log in for an access token) and `GET /api/me`.
public struct AccountRoutes: Sendable {
    private let store: AccountStore
    private let hasher: PasswordHasher
    private let issuer: TokenIssuer
    private let authenticator: RequestAuthenticator
    /// The clock tokens are issued by.
    private let now: @Sendable () -> Date
    private let registered = Counter(label: "seatline_accounts_registered_total")
    private let loggedIn = Counter(label: "seatline_accounts_sessions_total")
    private let refusedLogins = Counter(label: "seatline_accounts_sessions_refused_total")

    /// Largest body either endpoint reads.
    static let maxBodyBytes = 4 * 1024

    init(
        store: AccountStore, hasher: PasswordHasher, issuer: TokenIssuer, authenticator: RequestAuthenticator,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.hasher = hasher
        self.issuer = issuer
        self.authenticator = authenticator
        self.now = now
    }

    /// Adds the routes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/api/users") { request, _ in try await register(request) }
        router.post("/api/sessions") { request, _ in try await logIn(request) }
        router.get("/api/me") { request, _ in try await me(request) }
    }

    private func register(_ request: Request) async throws -> Response {
        let registration = try AccountRequests.registration(try await request.jsonBody(limit: Self.maxBodyBytes))
        let hash = try await hasher.hash(registration.password)
        guard
            let account = try await store.create(
                email: registration.email, name: registration.name, passwordHash: hash, role: .user)
        else {
            throw APIError(.conflict, code: "email_taken", message: "an account with this email exists already")
        }
        registered.increment()
        return jsonResponse(.created, Self.profile(account), headers: [.location: "/api/me"])
    }

    private func logIn(_ request: Request) async throws -> Response {
        let credentials = try AccountRequests.credentials(try await request.jsonBody(limit: Self.maxBodyBytes))
        let account = try await store.account(email: credentials.email)
        // An unknown email and a wrong password get the same answer after the same work.
        guard try await hasher.verify(credentials.password, against: account?.passwordHash), let account else {
            refusedLogins.increment()
            throw APIError(
                .unauthorized, code: "invalid_credentials", message: "the email or the password is not right")
        }
        let token = try await issuer.token(
            for: VerifiedIdentity(userID: account.userID, role: account.role), now: now())
        loggedIn.increment()
        var writer = JSONWriter()
        writer.object {
            $0.field("access_token", token)
            $0.field("token_type", "Bearer")
            $0.field("expires_in", Int(issuer.lifetime.components.seconds))
            $0.field("user_id", account.userID)
            $0.field("role", account.role.rawValue)
        }
        return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-store"])
    }

    private func me(_ request: Request) async throws -> Response {
        let identity = try await authenticator.user(request)
        guard let account = try await store.account(userID: identity.userID) else {
            throw APIError.notFound("no account belongs to this token")
        }
        return jsonResponse(.ok, Self.profile(account, withRole: true), headers: [.cacheControl: "no-store"])
    }

    /// `{"user_id","email","name"}`, with `"role"` for the account holder's own view.
    private static func profile(_ account: Account, withRole: Bool = false) -> [UInt8] {
        var writer = JSONWriter()
        writer.object {
            $0.field("user_id", account.userID)
            $0.field("email", account.email)
            $0.field("name", account.name)
            if withRole { $0.field("role", account.role.rawValue) }
        }
        return writer.bytes
    }
}
