public import Identity

/// What `seatline load` runs.
public struct LoadOptions: Sendable {
    /// The traffic shape.
    public enum Scenario: String, Sendable, CaseIterable {
        /// One event, many seats, twice as many booking requests as seats, a hot block everyone wants.
        case flashSale = "flash-sale"
        /// Booking requests spread over many events.
        case spread
        /// Seat-map reads of one event.
        case readHeavy = "read-heavy"
    }

    /// The scenario.
    public var scenario = Scenario.flashSale
    /// The gateway.
    public var gatewayURL = "http://127.0.0.1:8080"
    /// The admin token, to create the events and read outcomes.
    public var adminToken = "local-admin-token"
    /// The stack's token keys: the run signs a token for each synthetic user instead of registering them.
    public var tokenKeys: TokenKeys?
    /// The stack's token issuer.
    public var tokenIssuer = "seatline"
    /// Synthetic users the booking requests come from in turn, each with a token of its own.
    public var users = 10_000
    /// The write DB, for the end-of-run verification.
    public var writeDatabaseURL = "postgresql://seatline:seatline@127.0.0.1:55432/seatline_write"
    /// The read DB, for the end-of-run verification.
    public var readDatabaseURL = "postgresql://seatline:seatline@127.0.0.1:55432/seatline_read"
    /// Seats per event.
    public var seats = 100_000
    /// Events (spread only).
    public var events = 20
    /// Requests in all; defaults to twice the seats (booking scenarios).
    public var requests: Int?
    /// Seats in the hot block of a flash sale.
    public var hotSeats = 1_000
    /// Share of flash-sale requests aimed at the hot block.
    public var hotShare = 0.5
    /// Requests in flight at once (closed loop), or gateway connections at most (open loop; requests due while
    /// all are busy wait for one, their latency counted from when they were due).
    public var concurrency = 64
    /// Requests per second (open loop); nil runs closed loop.
    public var rate: Int?
    /// Requests whose POST → visible latency is followed.
    public var visibilitySample = 2_000
    /// Where to write `load-<scenario>.json` and `.svg`.
    public var outputDirectory = "."

    /// The defaults.
    public init() {}

    /// Total requests of the run.
    public var totalRequests: Int {
        requests ?? (scenario == .spread ? 2 * seats * events : 2 * seats)
    }
}
