/// What a token's holder may do: `user` acts on their own bookings, `admin` also runs the admin endpoints.
public enum UserRole: String, Codable, Sendable {
    /// A person booking seats.
    case user
    /// An operator: creates events, reads every booking, runs the cluster actions.
    case admin
}
