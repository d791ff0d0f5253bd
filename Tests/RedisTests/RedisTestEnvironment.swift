import Foundation
import Logging
import Redis
import SeatlineTestSupport

/// Where the local stack's Redis is, and how tests make clients and restart it.
enum RedisTestEnvironment {
    /// `SEATLINE_REDIS_URL`, defaulting to the local stack's Redis.
    static var url: String { LocalStack.redisURL }

    /// A client for the test Redis; the caller closes it.
    static func makeClient(connectionCount: Int = 4) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: url)
        configuration.connectionCount = connectionCount
        return RedisClient(configuration: configuration, logger: Logger(label: "seatline.redis.tests"))
    }

    /// A key no other test (or test run) uses.
    static func uniqueKey(_ purpose: String) -> String {
        "seatline-test:\(purpose):\(UUID().uuidString)"
    }

    /// Polls `CLIENT LIST` until the connection named `name` is blocked in `BLPOP`, and returns its client ID.
    static func idOfClientBlocked(named name: String, asking observer: RedisClient) async throws -> String {
        while true {
            guard case .string(let clients) = try await observer.send(["CLIENT", "LIST"]) else {
                throw RedisTestFailure("CLIENT LIST did not return a string")
            }
            let fields = clients.split(separator: "\n").map { $0.split(separator: " ") }
                .first { $0.contains("name=\(name)") && $0.contains("cmd=blpop") }
            if let id = fields?.first(where: { $0.hasPrefix("id=") }) {
                return String(id.dropFirst(3))
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
