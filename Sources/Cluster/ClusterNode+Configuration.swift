import Foundation
public import Logging
public import SeatlineRuntime

extension ClusterNode.Settings {
    /// The settings of `configuration`.
    public init(configuration: SeatlineConfiguration) {
        self.init()
        heartbeatInterval = configuration.heartbeatInterval
        nodeTimeout = configuration.nodeTimeout
        answerTimeout = configuration.electionAnswerTimeout
        coordinatorTimeout = configuration.electionCoordinatorTimeout
    }
}

extension ClusterNode {
    /// Registers this process as a node of `role` on its HTTP port; only worker nodes elect, and only nodes given
    /// `work` can be killed and revived.
    public static func register(
        role: String, defaultPort: Int, store: ClusterStore, configuration: SeatlineConfiguration, work: Work? = nil,
        logger: Logger
    ) async throws -> ClusterNode {
        try await register(
            role: role, host: advertisedHost(configuration), port: configuration.httpPort ?? defaultPort, store: store,
            settings: Settings(configuration: configuration), elects: role == "worker", work: work, logger: logger)
    }

    /// The node's heartbeats and election as a service of the role's application.
    public var service: ManagedClient {
        ManagedClient(run: { try await self.run() }, shutdown: { self.stop() })
    }

    private static func advertisedHost(_ configuration: SeatlineConfiguration) -> String {
        if !configuration.nodeHost.isEmpty { return configuration.nodeHost }
        switch configuration.httpHost {
        case "0.0.0.0", "::", "": return ProcessInfo.processInfo.hostName
        default: return configuration.httpHost
        }
    }
}
