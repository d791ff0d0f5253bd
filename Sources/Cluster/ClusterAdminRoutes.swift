public import AsyncHTTPClient
import Foundation
import HTTPTypes
public import Hummingbird
import JSONBytes
import NIOCore
public import SeatlineRuntime
import ServiceLifecycle

/// The cluster's admin endpoints: nodes, kill and revive (forwarded to the node), the transaction log, the election
/// history, the sales switch and the admin stream. All of them need an administrator.
public struct ClusterAdminRoutes: Sendable {
    private static let lastEventID = HTTPField.Name("Last-Event-ID")!
    private static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
    private static let maxPageSize = 1000

    private let store: ClusterStore
    private let authenticator: RequestAuthenticator
    private let sales: SalesSwitch
    private let nodeTimeout: Duration
    private let streamInterval: Duration

    /// Routes over the cluster tables of `store`; a node is dead once its heartbeat is older than `nodeTimeout`.
    public init(
        store: ClusterStore, authenticator: RequestAuthenticator, sales: SalesSwitch, nodeTimeout: Duration,
        streamInterval: Duration = .milliseconds(250)
    ) {
        self.store = store
        self.authenticator = authenticator
        self.sales = sales
        self.nodeTimeout = nodeTimeout
        self.streamInterval = streamInterval
    }

    /// Adds the routes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/api/admin/nodes") { request, _ in
            _ = try await authenticator.admin(request)
            let nodes = try await store.nodes(timeout: nodeTimeout)
            var writer = JSONWriter(capacity: 256 * max(1, nodes.count))
            writer.array(nodes) { AdminJSON.node($1, into: &$0) }
            return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-store"])
        }
        for action in ["kill", "revive"] {
            router.post("/api/admin/nodes/{id}/\(action)") { request, context in
                _ = try await authenticator.admin(request)
                return try await forward(action, to: context.parameters.get("id") ?? "")
            }
        }
        router.get("/api/admin/transactions") { request, _ in
            _ = try await authenticator.admin(request)
            let before = try Self.integer("before", in: request, range: 1...Int.max)
            let rows = try await store.transactions(
                limit: try Self.limit(request), before: before.map(Int64.init))
            var writer = JSONWriter(capacity: 160 * max(1, rows.count))
            writer.array(rows) { AdminJSON.transaction($1, into: &$0) }
            return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-store"])
        }
        router.get("/api/admin/elections/history") { request, _ in
            _ = try await authenticator.admin(request)
            let elections = try await store.elections(limit: try Self.limit(request))
            var writer = JSONWriter(capacity: 200 * max(1, elections.count))
            writer.array(elections) { AdminJSON.election($1, into: &$0) }
            return jsonResponse(.ok, writer.bytes, headers: [.cacheControl: "no-store"])
        }
        router.post("/api/admin/system/toggle") { request, _ in
            _ = try await authenticator.admin(request)
            let body = try await request.jsonBody(limit: 1024)
            guard case .object(let fields)? = try? JSONValue(parsing: body), fields.count == 1,
                case .bool(let active)? = fields["active"]
            else {
                throw APIError(
                    .badRequest, code: "invalid_body",
                    message: #"the body must be {"active": true} or {"active": false}"#)
            }
            try await sales.set(active: active)
            return jsonResponse(.ok, Array(#"{"active":\#(active)}"#.utf8))
        }
        router.get("/api/admin/stream") { request, _ in
            _ = try await authenticator.admin(request)
            return try await stream(request)
        }
    }

    /// Finds the node and hands it the admin's kill or revive; the node's own refusal (already killed, not a worker)
    /// comes back as it gave it.
    private func forward(_ action: String, to idText: String) async throws -> Response {
        guard let id = Int(idText), id > 0 else {
            throw APIError(.notFound, code: "node_not_found", message: "node ids are positive integers")
        }
        guard let node = try await store.nodes(timeout: nodeTimeout).first(where: { $0.id == id }) else {
            throw APIError(.notFound, code: "node_not_found", message: "there is no node \(id)")
        }
        guard node.role == "worker" else {
            throw APIError(
                .conflict, code: "node_not_killable",
                message: "node \(id) is a \(node.role); only worker nodes can be killed and revived")
        }
        guard node.alive || node.killed else {
            throw APIError(
                .conflict, code: "node_down",
                message: "node \(id) has not heartbeated for \(nodeTimeout.milliseconds) ms: its process is down")
        }
        var request = HTTPClientRequest(url: "http://\(node.host):\(node.port)/cluster/\(action)")
        request.method = .POST
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            body = try await response.body.collect(upTo: 16 * 1024)
        } catch {
            throw APIError(.conflict, code: "node_unreachable", message: "node \(id) did not answer: \(error)")
        }
        guard response.status == .ok else {
            // The node's own failure (its write DB, say) is a retryable 503 here, not a bare status passed on.
            if response.status.code >= 500 {
                throw APIError.unavailable("node \(id) could not \(action) now", retryAfterSeconds: 2)
            }
            return jsonResponse(.init(code: Int(response.status.code)), Array(buffer: body))
        }
        let updated = try await store.nodes(timeout: nodeTimeout).first { $0.id == id } ?? node
        var writer = JSONWriter()
        AdminJSON.node(updated, into: &writer)
        return jsonResponse(.ok, writer.bytes)
    }

    /// `new_transaction` for every row of the transaction log, with `seat_update` and the election's
    /// `election_started`, `election_step` and `election_ended` derived from it, in commit-safe order and resumable
    /// with `Last-Event-ID`; `node_update` whenever a node changes (all of them at the start), and a heartbeat.
    private func stream(_ request: Request) async throws -> Response {
        let resume = request.headers[Self.lastEventID].flatMap { ClusterStore.Cursor($0) }
        let start: ClusterStore.Cursor?
        if let resume { start = resume } else { start = try await store.latestCursor() }
        let store = store
        let nodeTimeout = nodeTimeout
        let interval = streamInterval
        let body = ResponseBody { writer in
            try await withGracefulShutdownHandler {
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                var cursor = start
                var nodes: [Int: ClusterStore.Node] = [:]
                var quietRounds = 0
                while !Task.isCancelled {
                    // A heartbeat alone is no update: only a change of what the dashboard shows.
                    for node in try await store.nodes(timeout: nodeTimeout)
                    where nodes[node.id].map({ !$0.showsTheSame(as: node) }) ?? true {
                        nodes[node.id] = node
                        var json = JSONWriter()
                        AdminJSON.node(node, into: &json)
                        try await writer.write(Self.frame("node_update", id: nil, json.bytes))
                    }
                    let rows = try await store.transactions(after: cursor, limit: 500)
                    for row in rows {
                        try await writer.write(Self.frames(of: row))
                        cursor = row.cursor
                    }
                    quietRounds = rows.isEmpty ? quietRounds + 1 : 0
                    if quietRounds * Int(interval.milliseconds) >= 15_000 {
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        quietRounds = 0
                    }
                    if rows.count < 500 { try await Task.sleep(for: interval) }
                }
            } onGracefulShutdown: {
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", Self.accelBuffering: "no"],
            body: body)
    }

    private static func frames(of row: ClusterStore.StreamedTransaction) -> ByteBuffer {
        let id = row.cursor.text
        var buffer = ByteBuffer()
        var json = JSONWriter()
        AdminJSON.transaction(row.transaction, into: &json)
        buffer.writeImmutableBuffer(frame("new_transaction", id: id, json.bytes))
        if let seat = row.seat { buffer.writeImmutableBuffer(frame("seat_update", id: id, Array(seat.utf8))) }
        if let started = row.started {
            buffer.writeImmutableBuffer(frame("election_started", id: id, Array(started.utf8)))
        }
        if let type = row.step {
            var step = JSONWriter()
            step.object {
                $0.field("nodeId") { writer in
                    if let node = row.transaction.nodeID { writer.integer(node) } else { writer.null() }
                }
                $0.field("message", row.transaction.description)
                $0.field("type", type)
            }
            buffer.writeImmutableBuffer(frame("election_step", id: id, step.bytes))
        }
        if let ended = row.ended { buffer.writeImmutableBuffer(frame("election_ended", id: id, Array(ended.utf8))) }
        return buffer
    }

    private static func frame(_ event: String, id: String?, _ data: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: \(event)\n")
        if let id { buffer.writeString("id: \(id)\n") }
        buffer.writeString("data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    private static func limit(_ request: Request) throws(APIError) -> Int {
        try integer("limit", in: request, range: 1...maxPageSize) ?? 50
    }

    private static func integer(
        _ name: String, in request: Request, range: ClosedRange<Int>
    ) throws(APIError) -> Int? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let number = Int(String(text)), range.contains(number) else {
            throw APIError(
                .badRequest, code: "invalid_parameter",
                message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
