import Foundation
import Logging
import Redis

#if canImport(Glibc)
import Glibc
#endif

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

    /// Runs `<repo>/deploy/stack ARGUMENTS…` and returns its exit status.
    static func stack(_ arguments: String...) throws -> Int32 {
        // #filePath is <repo>/Tests/RedisTests/RedisTestEnvironment.swift, possibly reached through a symlink.
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        // Foundation notices the exit when every copy of a socket it hands the child is closed; a server the script
        // starts would inherit that socket and keep waitUntilExit blocked, so close every descriptor above 2 first.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments =
            [
                "-c",
                #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; "#
                    + #"exec "$0" "$@""#,
                repository.appendingPathComponent("deploy/stack").path,
            ] + arguments
        // The child inherits this thread's signal mask, and a Dispatch worker blocks SIGTERM among others: a server
        // started with that mask would ignore the SIGTERM of a later `deploy/stack stop` until it is SIGKILLed.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        var previous = sigset_t()
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        let launched = Result { try process.run() }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        try launched.get()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
