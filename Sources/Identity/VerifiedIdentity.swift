/// Who sent a request, as a verified token says: the only source of a command's user.
public struct VerifiedIdentity: Sendable, Equatable {
    /// The token's subject: the user id.
    public let userID: String
    /// The token's role.
    public let role: UserRole

    /// Creates an identity.
    public init(userID: String, role: UserRole) {
        self.userID = userID
        self.role = role
    }

    /// True for administrators.
    public var isAdmin: Bool { role == .admin }
}
