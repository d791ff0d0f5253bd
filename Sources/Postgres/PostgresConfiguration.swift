/// How a `PostgresClient` reaches its database and how many connections it keeps.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection URI, e.g. `postgresql://user:password@127.0.0.1:55432/seatline_write`.
    ///
    /// Parameters in the URI (`connect_timeout`, `sslmode`, …) override the client's defaults.
    public var url: String
    /// The most connections the pool opens; they are opened lazily, on demand.
    public var connectionCount: Int = 8
    /// The `application_name` every connection reports to the server (visible in `pg_stat_activity`).
    public var applicationName: String = "seatline"
    /// How many undelivered notifications a `notifications(channel:)` sequence keeps; older ones are dropped first.
    public var notificationBufferSize: Int = 1024

    /// A configuration for `url` with the default pool size and application name.
    public init(url: String) {
        self.url = url
    }
}
