import Foundation
public import Identity

extension LocalStack {
    /// An access token for `userID`, signed with the stack's own key (`SEATLINE_TOKEN_SIGNING_KEY`, which
    /// `deploy/stack env` prints): synthetic users need no account and no bcrypt.
    public static func token(for userID: String, role: UserRole = .user) async throws -> String {
        let keys = try TokenKeys(signing: ProcessInfo.processInfo.environment["SEATLINE_TOKEN_SIGNING_KEY"] ?? "")
        let issuer = await TokenIssuer(
            keys: keys, issuer: ProcessInfo.processInfo.environment["SEATLINE_TOKEN_ISSUER"] ?? "seatline",
            lifetime: .seconds(3600))
        return try await issuer.token(for: VerifiedIdentity(userID: userID, role: role))
    }
}
