public import ServiceLifecycle

/// Runs a client's own loop (a Kafka poll loop, a projector) as a `Service`, and asks it to stop on
/// graceful shutdown so it can flush and drain before `run()` returns.
public struct ManagedClient: Service {
    private let body: @Sendable () async throws -> Void
    private let shutdown: @Sendable () async -> Void

    /// A service that runs `body` and calls `shutdown` when the group shuts down gracefully.
    public init(run body: @escaping @Sendable () async throws -> Void, shutdown: @escaping @Sendable () async -> Void) {
        self.body = body
        self.shutdown = shutdown
    }

    /// Runs until `body` returns.
    public func run() async throws {
        let shutdown = self.shutdown
        try await withGracefulShutdownHandler {
            try await body()
        } onGracefulShutdown: {
            Task { await shutdown() }
        }
    }
}
