public import BookingDomain
public import Foundation
public import Identity

/// Every setting of every role, read from the environment in one place. Each default works on the
/// local stack (`deploy/stack up`); docker-compose sets the same names.
public struct SeatlineConfiguration: Sendable {
    /// `SEATLINE_HTTP_HOST`: the address the role's HTTP server binds.
    public var httpHost = "127.0.0.1"
    /// `SEATLINE_HTTP_PORT`: the role's HTTP port; each role has its own default.
    public var httpPort: Int?
    /// `SEATLINE_WRITE_DATABASE_URL`: the write DB (seats, bookings, journal).
    public var writeDatabaseURL = "postgresql://seatline:seatline@127.0.0.1:55432/seatline_write"
    /// `SEATLINE_READ_DATABASE_URL`: the read DB (the projected views).
    public var readDatabaseURL = "postgresql://seatline:seatline@127.0.0.1:55432/seatline_read"
    /// `SEATLINE_DATABASE_POOL_SIZE`: connections per database pool.
    public var databasePoolSize = 8
    /// `SEATLINE_REDIS_URL`: Redis for seat locks.
    public var redisURL = "redis://127.0.0.1:56379"
    /// `SEATLINE_KAFKA_BROKERS`: Kafka bootstrap servers.
    public var kafkaBrokers = "127.0.0.1:59092"
    /// `SEATLINE_KAFKA_TOPIC`: the topic booking commands travel on.
    public var kafkaTopic = "booking_requests"
    /// `SEATLINE_KAFKA_GROUP`: the workers' consumer group.
    public var kafkaGroup = "seatline-workers"
    /// `SEATLINE_KAFKA_DELIVERY_TIMEOUT_MS`: how long write-api waits for the broker's ack before answering 503.
    public var kafkaDeliveryTimeout = Duration.seconds(5)
    /// `SEATLINE_ADMIN_TOKEN`: the bearer token of the admin endpoints; empty means admin is closed.
    public var adminToken = ""
    /// `SEATLINE_TOKEN_SIGNING_KEY`: `kid:base64-secret`, the HMAC key access tokens are signed and verified with.
    /// No default: the local stack generates one at first start, compose takes it from the environment.
    public var tokenSigningKey = ""
    /// `SEATLINE_TOKEN_VERIFICATION_KEYS`: `kid:base64-secret,…`, earlier keys still accepted during a rotation.
    public var tokenVerificationKeys = ""
    /// `SEATLINE_TOKEN_ISSUER`: the `iss` of issued tokens, the only one accepted.
    public var tokenIssuer = "seatline"
    /// `SEATLINE_TOKEN_TTL_SECONDS`: how long an access token is accepted.
    public var tokenLifetime = Duration.seconds(3600)
    /// `SEATLINE_PASSWORD_HASH_COST`: bcrypt's cost factor for stored passwords (10 at least).
    public var passwordHashCost = 10
    /// `SEATLINE_REQUEST_TTL_SECONDS`: a command not processed within this time is rejected as `expired_request`.
    public var requestTimeToLive = Duration.seconds(120)
    /// `SEATLINE_HOLD_SECONDS`: how long a hold lasts, and how far one extension moves it on.
    public var holdDuration = Duration.seconds(600)
    /// `SEATLINE_HOLD_MAX_SECONDS`: the longest a hold may last from when it began, with every extension.
    public var maxHoldDuration = Duration.seconds(1800)
    /// `SEATLINE_MAX_SEATS_PER_REQUEST`: seats one booking or hold may ask for.
    public var maxSeatsPerRequest = 10
    /// `SEATLINE_WORKER_BATCH_SIZE`: commands decided in one write-DB transaction.
    public var workerBatchSize = 500
    /// `SEATLINE_SEAT_LOCK_TTL_MS`: how long a worker's Redis seat lock lives.
    public var seatLockTimeToLive = Duration.milliseconds(5000)
    /// `SEATLINE_EXPIRY_INTERVAL_MS`: how often the active expiry sweeper looks for holds past their end.
    public var expiryInterval = Duration.seconds(2)
    /// `SEATLINE_NODE_HOST`: the address other nodes reach this node's HTTP port at; the bound address by default, or
    /// the host name when that is a wildcard (in containers).
    public var nodeHost = ""
    /// `SEATLINE_HEARTBEAT_INTERVAL_MS`: how often a node heartbeats and reads the others' heartbeats.
    public var heartbeatInterval = Duration.seconds(1)
    /// `SEATLINE_NODE_TIMEOUT_MS`: a node whose last heartbeat is older is dead; a dead leader is replaced.
    public var nodeTimeout = Duration.seconds(3)
    /// `SEATLINE_ELECTION_ANSWER_TIMEOUT_MS`: how long a node calling an election waits for a higher node's OK.
    public var electionAnswerTimeout = Duration.seconds(1)
    /// `SEATLINE_ELECTION_COORDINATOR_TIMEOUT_MS`: how long an answered node waits for the winner's announcement.
    public var electionCoordinatorTimeout = Duration.seconds(3)
    /// `SEATLINE_TRANSACTION_LOG_ROWS`: the newest rows of the transaction log the leader keeps.
    public var transactionLogRows = 100_000
    /// `SEATLINE_MIGRATIONS_DIRECTORY`: where `seatline migrate` finds `write/` and `read/`.
    public var migrationsDirectory = "sql"
    /// `SEATLINE_LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public var logLevel = "info"

    /// The defaults.
    public init() {}

    /// The defaults, overridden by whatever the environment sets.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> SeatlineConfiguration {
        var configuration = SeatlineConfiguration()
        let reader = EnvironmentReader(environment: environment)
        try reader.read("SEATLINE_HTTP_HOST", into: &configuration.httpHost)
        configuration.httpPort = try reader.integer("SEATLINE_HTTP_PORT")
        try reader.read("SEATLINE_WRITE_DATABASE_URL", into: &configuration.writeDatabaseURL)
        try reader.read("SEATLINE_READ_DATABASE_URL", into: &configuration.readDatabaseURL)
        try reader.read("SEATLINE_DATABASE_POOL_SIZE", into: &configuration.databasePoolSize)
        try reader.read("SEATLINE_REDIS_URL", into: &configuration.redisURL)
        try reader.read("SEATLINE_KAFKA_BROKERS", into: &configuration.kafkaBrokers)
        try reader.read("SEATLINE_KAFKA_TOPIC", into: &configuration.kafkaTopic)
        try reader.read("SEATLINE_KAFKA_GROUP", into: &configuration.kafkaGroup)
        try reader.read("SEATLINE_KAFKA_DELIVERY_TIMEOUT_MS", milliseconds: &configuration.kafkaDeliveryTimeout)
        try reader.read("SEATLINE_ADMIN_TOKEN", into: &configuration.adminToken)
        try reader.read("SEATLINE_TOKEN_SIGNING_KEY", into: &configuration.tokenSigningKey)
        try reader.read("SEATLINE_TOKEN_VERIFICATION_KEYS", into: &configuration.tokenVerificationKeys)
        try reader.read("SEATLINE_TOKEN_ISSUER", into: &configuration.tokenIssuer)
        try reader.read("SEATLINE_TOKEN_TTL_SECONDS", seconds: &configuration.tokenLifetime)
        try reader.read("SEATLINE_PASSWORD_HASH_COST", into: &configuration.passwordHashCost)
        guard (10...16).contains(configuration.passwordHashCost) else {
            throw ConfigurationError(name: "SEATLINE_PASSWORD_HASH_COST", expected: "between 10 and 16")
        }
        try reader.read("SEATLINE_REQUEST_TTL_SECONDS", seconds: &configuration.requestTimeToLive)
        try reader.read("SEATLINE_HOLD_SECONDS", seconds: &configuration.holdDuration)
        try reader.read("SEATLINE_HOLD_MAX_SECONDS", seconds: &configuration.maxHoldDuration)
        try reader.read("SEATLINE_MAX_SEATS_PER_REQUEST", into: &configuration.maxSeatsPerRequest)
        try reader.read("SEATLINE_WORKER_BATCH_SIZE", into: &configuration.workerBatchSize)
        try reader.read("SEATLINE_SEAT_LOCK_TTL_MS", milliseconds: &configuration.seatLockTimeToLive)
        try reader.read("SEATLINE_EXPIRY_INTERVAL_MS", milliseconds: &configuration.expiryInterval)
        try reader.read("SEATLINE_NODE_HOST", into: &configuration.nodeHost)
        try reader.read("SEATLINE_HEARTBEAT_INTERVAL_MS", milliseconds: &configuration.heartbeatInterval)
        try reader.read("SEATLINE_NODE_TIMEOUT_MS", milliseconds: &configuration.nodeTimeout)
        try reader.read("SEATLINE_ELECTION_ANSWER_TIMEOUT_MS", milliseconds: &configuration.electionAnswerTimeout)
        try reader.read(
            "SEATLINE_ELECTION_COORDINATOR_TIMEOUT_MS", milliseconds: &configuration.electionCoordinatorTimeout)
        try reader.read("SEATLINE_TRANSACTION_LOG_ROWS", into: &configuration.transactionLogRows)
        try reader.read("SEATLINE_MIGRATIONS_DIRECTORY", into: &configuration.migrationsDirectory)
        try reader.read("SEATLINE_LOG_LEVEL", into: &configuration.logLevel)
        return configuration
    }

    /// The token keys, refused with the variable's name (never its value) when missing or unusable.
    public func tokenKeys() throws(ConfigurationError) -> TokenKeys {
        do {
            return try TokenKeys(signing: tokenSigningKey, verificationOnly: tokenVerificationKeys)
        } catch {
            throw ConfigurationError(
                name: "SEATLINE_TOKEN_SIGNING_KEY and SEATLINE_TOKEN_VERIFICATION_KEYS",
                expected: "kid:base64-secret with at least 32 bytes of secret, distinct key ids (\(error.message))")
        }
    }

    /// An issuer of this deployment's access tokens: signed with the configured key, for the configured lifetime.
    public func accessTokenIssuer() async throws(ConfigurationError) -> TokenIssuer {
        await TokenIssuer(keys: try tokenKeys(), issuer: tokenIssuer, lifetime: tokenLifetime)
    }

    /// The request limits write-api applies.
    public var requestLimits: RequestLimits {
        var limits = RequestLimits()
        limits.maxSeatsPerRequest = maxSeatsPerRequest
        return limits
    }
}

/// A setting whose value cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The variable's name.
    public let name: String
    /// What it should be.
    public let expected: String

    /// Names the variable; never repeats its value, which may be a secret.
    public var description: String { "\(name) must be \(expected)" }
}

private struct EnvironmentReader {
    let environment: [String: String]

    func read(_ name: String, into value: inout String) throws(ConfigurationError) {
        if let text = environment[name] { value = text }
    }

    func read(_ name: String, into value: inout Int) throws(ConfigurationError) {
        if let number = try integer(name) { value = number }
    }

    func read(_ name: String, seconds value: inout Duration) throws(ConfigurationError) {
        if let number = try integer(name) { value = .seconds(number) }
    }

    func read(_ name: String, milliseconds value: inout Duration) throws(ConfigurationError) {
        if let number = try integer(name) { value = .milliseconds(number) }
    }

    func integer(_ name: String) throws(ConfigurationError) -> Int? {
        guard let text = environment[name], !text.isEmpty else { return nil }
        guard let number = Int(text), number >= 0 else {
            throw ConfigurationError(name: name, expected: "a whole number, zero or more")
        }
        return number
    }
}
