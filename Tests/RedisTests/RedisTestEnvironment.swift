import Foundation
import Logging
import Redis

/// Where the local stack's Redis is, and how tests make clients and restart it.
enum RedisTestEnvironment {
    /// `SEATLINE_REDIS_URL`, defaulting to the local stack's Redis.
    static var url: String {
        ProcessInfo.processInfo.environment["SEATLINE_REDIS_URL"] ?? "redis://127.0.0.1:56379"
    }

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

    /// Runs `<repo>/deploy/stack ARGUMENTS…` and returns its exit status.
    static func stack(_ arguments: String...) throws -> Int32 {
        // #filePath is <repo>/Tests/RedisTests/RedisTestEnvironment.swift, possibly reached through a symlink.
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = repository.appendingPathComponent("deploy/stack")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
