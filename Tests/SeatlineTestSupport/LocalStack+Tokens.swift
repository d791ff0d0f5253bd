import Foundation
public import Identity

extension LocalStack {
    /// An access token for `userID`, signed with the stack's own key: `SEATLINE_TOKEN_SIGNING_KEY`, or the key
    /// `deploy/stack` made in the state folder. Synthetic users need no account and no bcrypt.
    public static func token(for userID: String, role: UserRole = .user) async throws -> String {
        let keys = try TokenKeys(signing: signingKey)
        let issuer = await TokenIssuer(
            keys: keys, issuer: ProcessInfo.processInfo.environment["SEATLINE_TOKEN_ISSUER"] ?? "seatline",
            lifetime: .seconds(3600))
        return try await issuer.token(for: VerifiedIdentity(userID: userID, role: role))
    }

    private static var signingKey: String {
        ProcessInfo.processInfo.environment["SEATLINE_TOKEN_SIGNING_KEY"]
            ?? (try? String(contentsOfFile: "\(stateDirectory)/secrets/token-signing-key", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}
