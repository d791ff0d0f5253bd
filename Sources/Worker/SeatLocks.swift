import BookingDomain
import Foundation
import Logging
import Metrics
import Redis
import SeatlineRuntime

/// Per-seat Redis locks that keep two workers from deciding the same seats at once. They only save
/// wasted work: PostgreSQL's version-fenced write is the judge, so a lock that expired under a paused
/// worker, or Redis being down, costs a retry, never a double booking.
struct SeatLocks: Sendable {
    /// Locks taken by one batch, all under one random token.
    struct Held: Sendable {
        let keys: [String]
        let token: String
    }

    let redis: RedisClient
    let timeToLive: Duration
    let maxWait: Duration
    let logger: Logger
    private let waits = Counter(label: "seatline_worker_lock_waits_total")
    private let timeouts = Counter(label: "seatline_worker_lock_timeouts_total")
    private let redisFailures = Counter(label: "seatline_worker_redis_failures_total")

    init(redis: RedisClient, timeToLive: Duration, maxWait: Duration, logger: Logger) {
        self.redis = redis
        self.timeToLive = timeToLive
        self.maxWait = maxWait
        self.logger = logger
    }

    /// Takes a lock on every seat, in key order. Seats still locked by another worker after
    /// `maxWait` are left unlocked and decided anyway; the fence in PostgreSQL keeps that safe.
    func acquire(_ seats: [SeatKey]) async -> Held {
        // A batch often asks for one seat many times (everyone wants the front row): one lock each.
        let keys = Set(seats).sorted().map { "seatline:seat-lock:\($0.eventID):\($0.seatID)" }
        let token = UUID.random().uuidString
        guard !keys.isEmpty else { return Held(keys: [], token: token) }
        let milliseconds = String(timeToLive.milliseconds)
        let deadline = ContinuousClock.now + maxWait
        var missing = keys
        var acquired: [String] = []
        do {
            while true {
                let replies = try await redis.pipeline(missing.map { ["SET", $0, token, "NX", "PX", milliseconds] })
                var stillMissing: [String] = []
                for (key, reply) in zip(missing, replies) {
                    if reply == .string("OK") { acquired.append(key) } else { stillMissing.append(key) }
                }
                missing = stillMissing
                if missing.isEmpty { break }
                waits.increment()
                guard ContinuousClock.now < deadline else {
                    timeouts.increment()
                    logger.notice(
                        "seat locks still held elsewhere; PostgreSQL decides", metadata: ["seats": "\(missing.count)"])
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        } catch {
            redisFailures.increment()
            logger.warning("Redis unavailable for seat locks; PostgreSQL decides", metadata: ["error": "\(error)"])
        }
        return Held(keys: acquired, token: token)
    }

    /// Releases only the locks still holding this batch's token: a lock that expired and was taken by
    /// another worker is left alone.
    func release(_ held: Held) async {
        guard !held.keys.isEmpty else { return }
        do {
            _ = try await redis.run(Self.compareAndDeleteAll, keys: held.keys, arguments: [held.token])
        } catch {
            redisFailures.increment()
            logger.warning("could not release seat locks; they expire on their own", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes each key whose value is ARGV[1]; returns how many it deleted.
    static let compareAndDeleteAll = RedisScript(
        """
        local released = 0
        for _, key in ipairs(KEYS) do
            if redis.call('GET', key) == ARGV[1] then
                redis.call('DEL', key)
                released = released + 1
            end
        end
        return released
        """)
}
