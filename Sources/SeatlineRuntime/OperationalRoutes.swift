public import Hummingbird
import JSONBytes
import Metrics
public import Prometheus

/// `/healthz`, `/readyz` and `/metrics`, which every role serves.
public struct OperationalRoutes: Sendable {
    /// A named dependency check for `/readyz`.
    public struct Check: Sendable {
        /// The dependency's name, as `/readyz` reports it.
        public let name: String
        /// True when the dependency answers.
        public let isReady: @Sendable () async -> Bool

        /// Creates a check.
        public init(_ name: String, isReady: @escaping @Sendable () async -> Bool) {
            self.name = name
            self.isReady = isReady
        }
    }

    private let checks: [Check]

    /// Routes that report on `checks`.
    public init(checks: [Check]) {
        self.checks = checks
    }

    /// Adds the three routes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/healthz") { _, _ in
            jsonResponse(.ok, Array(#"{"status":"ok"}"#.utf8))
        }
        router.get("/readyz") { _, _ in
            let results = await withTaskGroup(of: (String, Bool).self) { group in
                for check in checks {
                    group.addTask { (check.name, await check.isReady()) }
                }
                return await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
            }.sorted { $0.0 < $1.0 }
            let ready = results.allSatisfy(\.1)
            var writer = JSONWriter()
            writer.object { object in
                object.field("status", ready ? "ready" : "unavailable")
                object.field("checks") { checksWriter in
                    checksWriter.object { fields in
                        for (name, isReady) in results { fields.field(name, isReady ? "ok" : "down") }
                    }
                }
            }
            return jsonResponse(ready ? .ok : .serviceUnavailable, writer.bytes)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: SeatlineMetrics.registry.emitToBuffer())))
        }
    }
}

/// A JSON response with the given status and body.
public func jsonResponse(_ status: HTTPResponse.Status, _ body: [UInt8], headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

/// The process's Prometheus registry, behind swift-metrics.
public enum SeatlineMetrics {
    /// The registry `/metrics` renders.
    public static let registry = PrometheusCollectorRegistry()

    /// Routes swift-metrics to the registry; only the first call in a process does anything (swift-metrics allows one
    /// bootstrap, and tests of several roles share a process).
    public static func bootstrap() {
        _ = bootstrapped
    }

    private static let bootstrapped: Void = MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
}
