/// A notification delivered to a `LISTEN`ing connection (sent with `NOTIFY` or `pg_notify`).
public struct PostgresNotification: Sendable, Hashable {
    /// The channel it was sent on.
    public let channel: String
    /// The payload text; empty when none was given.
    public let payload: String

    /// A notification on `channel` carrying `payload`.
    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}
