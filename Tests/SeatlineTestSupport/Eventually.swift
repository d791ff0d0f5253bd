import Foundation

/// Polls `probe` every `interval` until it returns a value, and returns it. The bound only turns a
/// hang into a failure; no test asserts how fast anything is.
public func eventually<T>(
    _ what: String, within seconds: Double = 60, every interval: Duration = .milliseconds(50),
    _ probe: () async throws -> T?
) async throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: interval)
    }
    throw WaitedTooLong(what: what)
}

/// `eventually` gave up.
public struct WaitedTooLong: Error, CustomStringConvertible {
    /// What was awaited.
    public let what: String

    /// Names it.
    public var description: String { "gave up waiting for \(what)" }
}
