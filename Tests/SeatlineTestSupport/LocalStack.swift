public import Foundation
public import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Tag {
    /// Tests that stop and start servers of the local stack; the test command runs them apart, last.
    @Tag public static var restartsServers: Self
}

/// The local stack as the integration tests see it: endpoints from the environment, defaulting to
/// what `deploy/stack` starts, and a way to run the stack's own script.
public enum LocalStack {
    private static let environment = ProcessInfo.processInfo.environment

    /// `SEATLINE_GATEWAY_URL`: the local stack's nginx, or docker-compose's.
    public static let gatewayURL = environment["SEATLINE_GATEWAY_URL"] ?? "http://127.0.0.1:8080"
    /// `SEATLINE_ADMIN_TOKEN`.
    public static let adminToken = environment["SEATLINE_ADMIN_TOKEN"] ?? "local-admin-token"
    /// `SEATLINE_WRITE_DATABASE_URL`.
    public static let writeDatabaseURL =
        environment["SEATLINE_WRITE_DATABASE_URL"] ?? "postgresql://seatline:seatline@127.0.0.1:55432/seatline_write"
    /// `SEATLINE_READ_DATABASE_URL`.
    public static let readDatabaseURL =
        environment["SEATLINE_READ_DATABASE_URL"] ?? "postgresql://seatline:seatline@127.0.0.1:55432/seatline_read"
    /// `SEATLINE_REDIS_URL`.
    public static let redisURL = environment["SEATLINE_REDIS_URL"] ?? "redis://127.0.0.1:56379"
    /// `SEATLINE_KAFKA_BROKERS`.
    public static let kafkaBrokers = environment["SEATLINE_KAFKA_BROKERS"] ?? "127.0.0.1:59092"
    /// `SEATLINE_KAFKA_TOPIC`.
    public static let kafkaTopic = environment["SEATLINE_KAFKA_TOPIC"] ?? "booking_requests"
    /// `SEATLINE_HOLD_SECONDS` of the stack under test: 8 where deploy/test runs it.
    public static let holdSeconds = environment["SEATLINE_HOLD_SECONDS"].flatMap(Double.init) ?? 8
    /// `SEATLINE_HOLD_MAX_SECONDS` of the stack under test: 20 where deploy/test runs it.
    public static let maxHoldSeconds = environment["SEATLINE_HOLD_MAX_SECONDS"].flatMap(Double.init) ?? 20

    /// The repository root: three levels up from this file, symlinks resolved.
    public static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `seatline` binary the stack runs.
    public static var seatlineBinary: URL {
        repository.appendingPathComponent(".build/\(environment["SEATLINE_BUILD_CONFIGURATION"] ?? "debug")/seatline")
    }

    /// A name no other test or run uses, of letters, digits and underscores only (safe as an identifier).
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
    }

    /// Runs `deploy/stack ARGUMENTS…`, e.g. `restart redis`; throws when it fails.
    public static func stack(_ arguments: String...) async throws {
        try await run(repository.appendingPathComponent("deploy/stack"), arguments)
    }

    /// Runs a program to completion without blocking a cooperative thread; throws with its output
    /// when it exits non-zero.
    public static func run(_ executable: URL, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("command_output"))
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try launchWithEmptySignalMask(process)
            } catch {
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        guard process.terminationStatus == 0 else {
            let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
            throw CommandFailed(command: command, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        }
    }

    /// A child inherits the calling thread's signal mask, and a Dispatch worker thread blocks SIGTERM
    /// among others: a server started under that mask would ignore `deploy/stack stop`.
    private static func launchWithEmptySignalMask(_ process: Process) throws {
        var empty = sigset_t()
        sigemptyset(&empty)
        var previous = sigset_t()
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// A command that exited non-zero.
    public struct CommandFailed: Error, CustomStringConvertible {
        /// The command line.
        public let command: String
        /// What it printed.
        public let output: String

        /// Both.
        public var description: String { "`\(command)` failed: \(output)" }
    }
}

extension LocalStack {
    /// The stack's state folder (`SEATLINE_STATE`, `.stack` by default), where `deploy/stack` keeps pid files and secrets.
    public static var stateDirectory: String {
        environment["SEATLINE_STATE"] ?? repository.appendingPathComponent(".stack").path
    }

    /// The pid `deploy/stack` recorded for a process of the stack, if it runs.
    public static func pid(of name: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(stateDirectory)/run/\(name).pid", encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    /// A TCP port nothing listens on now, chosen by the kernel. The test command runs its stack on free ports
    /// too, so a fixed port here could be one of that stack's, of another clone's stack or of a user's.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PortUnavailable(errno: errno) }
        defer { close(descriptor) }
        // Port 0 on every address: the kernel picks a port no socket on any address holds.
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw PortUnavailable(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends `signal` to `process` and to the processes it started (a launcher such as `faketime` runs the role as
    /// its child and passes no signal on).
    public static func signal(_ signal: Int32, to process: Process) {
        let pid = process.processIdentifier
        // Read to the end, not by its size: procfs reports 0 bytes for it.
        let children =
            FileHandle(forReadingAtPath: "/proc/\(pid)/task/\(pid)/children").map {
                String(decoding: $0.readDataToEndOfFile(), as: UTF8.self)
            } ?? ""
        for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, signal) }
        kill(pid, signal)
    }

    /// The kernel gave no free port.
    public struct PortUnavailable: Error {
        /// What the failing call set.
        public let errno: Int32
    }

    /// Starts another `seatline ROLE` beside the stack's own, on `port` (a free one if nil), run by `launcher` (a
    /// command and its arguments, such as `faketime -f -2h`) if one is given; the caller ends it.
    public static func startExtra(_ role: String, port: Int? = nil, under launcher: [String] = []) throws -> Process {
        let port = try port ?? freePort()
        let process = Process()
        let command = launcher + [seatlineBinary.path, role]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = repository
        var environment = ProcessInfo.processInfo.environment
        environment["SEATLINE_HTTP_PORT"] = String(port)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try launchWithEmptySignalMask(process)
        return process
    }
}
