public import AsyncHTTPClient
public import Hummingbird
import JSONBytes
public import Logging
import NIOCore
import SeatlineRuntime
import Synchronization

/// This process as a node of the cluster: it registers under a stable id, heartbeats, can be killed and revived by
/// an admin, and, when it is a worker, takes part in the Bully election of the leader that runs the singleton duties.
public final class ClusterNode: Sendable {
    /// How the node keeps time and elects.
    public struct Settings: Sendable {
        /// How often the node heartbeats and reads the others' heartbeats.
        public var heartbeatInterval = Duration.seconds(1)
        /// A node whose heartbeat is older than this is dead.
        public var nodeTimeout = Duration.seconds(3)
        /// How long an election's caller waits for an OK from a higher node.
        public var answerTimeout = Duration.seconds(1)
        /// How long an answered caller waits for the winner's announcement.
        public var coordinatorTimeout = Duration.seconds(3)
        /// How long one election message may take.
        public var messageTimeout = Duration.milliseconds(500)

        /// The defaults.
        public init() {}
    }

    /// What a killed node stops and a revived one starts again.
    public struct Work: Sendable {
        let stop: @Sendable () async -> Void
        let start: @Sendable () async -> Void

        /// `stop` is called on kill, `start` on revive.
        public init(stop: @escaping @Sendable () async -> Void, start: @escaping @Sendable () async -> Void) {
            self.stop = stop
            self.start = start
        }
    }

    private struct State {
        var election: BullyElection?
        var killed = false
        var peers: [Int: ClusterStore.Node] = [:]
        var lastRefresh: ContinuousClock.Instant?
        var stored: BullyElection.Leadership?
        var reason = ""
    }

    /// The node's id in the cluster.
    public let nodeID: Int
    /// The node's role.
    public let role: String
    private let store: ClusterStore
    private let settings: Settings
    private let work: Work?
    private let logger: Logger
    private let state: Mutex<State>
    private let stopping = Mutex(false)

    /// Registers the node (waiting for the write DB) and returns it; a worker node elects, every other node only
    /// heartbeats. `work` is what kill and revive stop and start; nil refuses them.
    public static func register(
        role: String, host: String, port: Int, store: ClusterStore, settings: Settings, elects: Bool, work: Work?,
        logger: Logger
    ) async throws -> ClusterNode {
        var attempt = 0
        while true {
            do {
                let id = try await store.register(role: role, host: host, port: port)
                return ClusterNode(
                    nodeID: id, role: role, store: store, settings: settings, elects: elects, work: work,
                    logger: logger)
            } catch {
                attempt += 1
                if attempt >= 150 { throw error }
                logger.notice("cannot register with the write DB yet; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private init(
        nodeID: Int, role: String, store: ClusterStore, settings: Settings, elects: Bool, work: Work?, logger: Logger
    ) {
        self.nodeID = nodeID
        self.role = role
        self.store = store
        self.settings = settings
        self.work = work
        var logger = logger
        logger[metadataKey: "node"] = "\(nodeID)"
        self.logger = logger
        state = Mutex(
            State(
                election: elects
                    ? BullyElection(
                        nodeID: nodeID, answerTimeout: settings.answerTimeout,
                        coordinatorTimeout: settings.coordinatorTimeout) : nil))
    }

    /// The term this node leads, while it leads and is not killed: what its singleton writes are fenced by.
    public var leaderTerm: Int64? {
        state.withLock { $0.killed ? nil : $0.election?.leaderTerm }
    }

    /// Heartbeats and elects until `stop()`. A starting node calls no election blindly: its first round reads who is
    /// alive and who leads, and calls one only if no live node above it leads.
    public func run() async throws {
        while !stopping.withLock({ $0 }), !Task.isCancelled {
            await step()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Asks `run()` to return.
    public func stop() {
        stopping.withLock { $0 = true }
    }

    /// A singleton write was refused by the term fence: the node follows the write DB's leadership.
    public func fenced() async {
        let stored = try? await store.leadership()
        perform(state.withLock { $0.election?.fenced(stored: stored, now: .now) ?? [] })
    }

    private func step() async {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard !state.killed else { return false }
            return state.lastRefresh.map { now - $0 >= settings.heartbeatInterval } ?? true
        }
        if due {
            do {
                try await store.heartbeat(nodeID)
                let nodes = try await store.nodes(timeout: settings.nodeTimeout)
                let stored = try await store.leadership()
                state.withLock { state in
                    state.lastRefresh = now
                    state.stored = stored
                    state.peers = Dictionary(
                        nodes.filter { $0.role == role && $0.alive && $0.id != nodeID }.map { ($0.id, $0) },
                        uniquingKeysWith: { first, _ in first })
                }
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                state.withLock { $0.lastRefresh = now }
                return
            }
        }
        perform(
            state.withLock { state in
                guard !state.killed else { return [] }
                return state.election?.tick(now: now, alivePeers: Array(state.peers.keys), stored: state.stored) ?? []
            })
    }

    /// Carries out what the election asked for, off the lock and in order.
    private func perform(_ actions: [BullyElection.Action]) {
        guard !actions.isEmpty else { return }
        Task { for action in actions { await perform(action) } }
    }

    private func perform(_ action: BullyElection.Action) async {
        switch action {
        case .recordCall(let reason, let oldLeader, let candidates):
            state.withLock { $0.reason = reason }
            logger.info("calling an election", metadata: ["reason": "\(reason)"])
            await log(
                "node \(nodeID) called an election (\(reason)); candidates \(Self.list(candidates))",
                detail: AdminJSON.electionDetail(step: "candidate", started: (oldLeader, candidates)))
        case .sendElection(let higher):
            await log(
                "node \(nodeID) sent ELECTION to \(Self.list(higher))",
                detail: AdminJSON.electionDetail(step: "election"))
            await withTaskGroup(of: Void.self) { group in
                for peer in higher {
                    group.addTask {
                        guard await self.send("election", to: peer, body: #"{"from":\#(self.nodeID)}"#) else { return }
                        self.perform(
                            self.state.withLock { $0.election?.receivedAnswer(from: peer, now: .now) ?? [] })
                    }
                }
            }
        case .answer(let caller):
            await log(
                "node \(nodeID) answered OK to node \(caller) and takes over the election",
                detail: AdminJSON.electionDetail(step: "election"))
        case .claimTerm(let previous, let candidates):
            let reason = state.withLock { $0.reason }
            do {
                if let term = try await store.claimTerm(
                    after: previous, nodeID: nodeID, candidates: candidates, reason: reason)
                {
                    logger.notice("won the election", metadata: ["term": "\(term)"])
                    perform(state.withLock { $0.election?.claimSucceeded(term: term) ?? [] })
                } else {
                    let stored = try await store.leadership()
                    perform(state.withLock { $0.election?.claimFailed(stored: stored, now: .now) ?? [] })
                }
            } catch {
                logger.warning("could not claim the term", metadata: ["error": "\(error)"])
                perform(state.withLock { $0.election?.claimFailed(stored: nil, now: .now) ?? [] })
            }
        case .announceVictory(let term, let peers):
            await withTaskGroup(of: Void.self) { group in
                for peer in peers {
                    group.addTask {
                        _ = await self.send("victory", to: peer, body: #"{"leaderId":\#(self.nodeID),"term":\#(term)}"#)
                    }
                }
            }
        case .stepDown(let leadership):
            logger.notice(
                "no longer the leader",
                metadata: ["leader": "\(leadership.map { "\($0.leaderID)" } ?? "unknown")"])
        }
    }

    /// Sends one election message; true when the peer answered 200.
    private func send(_ message: String, to peer: Int, body: String) async -> Bool {
        guard let address = state.withLock({ $0.peers[peer] }) else { return false }
        var request = HTTPClientRequest(url: "http://\(address.host):\(address.port)/cluster/\(message)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .init(settings.messageTimeout))
            return response.status == .ok
        } catch {
            logger.debug("election message not delivered", metadata: ["peer": "\(peer)", "error": "\(error)"])
            return false
        }
    }

    private func log(_ description: String, detail: String) async {
        do {
            try await store.log(nodeID, "ELECTION", description, detail: Array(detail.utf8))
        } catch {
            logger.warning("could not write the transaction log", metadata: ["error": "\(error)"])
        }
    }

    private static func list(_ ids: [Int]) -> String {
        ids.map(String.init).joined(separator: ", ")
    }
}

extension ClusterNode {
    /// The node's side of the cluster's messages on its operational port: election messages between worker nodes,
    /// and the kill and revive that write-api forwards from an admin.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/cluster/election") { request, _ in
            let sender = try await Self.integers(["from"], in: request)[0]
            let actions = try self.state.withLock { state throws(APIError) in
                guard !state.killed, state.election != nil else { throw Self.notAnswering }
                return state.election?.receivedElection(from: sender, now: .now) ?? []
            }
            self.perform(actions)
            return jsonResponse(.ok, Array(#"{"answer":"OK"}"#.utf8))
        }
        router.post("/cluster/victory") { request, _ in
            let fields = try await Self.integers(["leaderId", "term"], in: request)
            let (leader, term) = (fields[0], fields[1])
            let actions = try self.state.withLock { state throws(APIError) in
                guard !state.killed, state.election != nil else { throw Self.notAnswering }
                return state.election?.receivedVictory(.init(leaderID: leader, term: Int64(term)), now: .now) ?? []
            }
            self.perform(actions)
            return jsonResponse(.ok, Array(#"{"status":"following"}"#.utf8))
        }
        router.post("/cluster/kill") { _, _ in
            try await self.setKilled(true)
            return jsonResponse(.ok, Array(#"{"status":"killed"}"#.utf8))
        }
        router.post("/cluster/revive") { _, _ in
            try await self.setKilled(false)
            return jsonResponse(.ok, Array(#"{"status":"alive"}"#.utf8))
        }
    }

    private static let notAnswering = APIError(
        .serviceUnavailable, code: "node_not_answering", message: "this node takes no part in elections now",
        headers: [.retryAfter: "1"])

    private func setKilled(_ killed: Bool) async throws {
        guard let work else {
            throw APIError(.conflict, code: "node_not_killable", message: "only worker nodes can be killed and revived")
        }
        let changed = state.withLock { state -> Bool in
            guard state.killed != killed else { return false }
            state.killed = killed
            return true
        }
        guard changed else {
            throw killed
                ? APIError(.conflict, code: "node_already_killed", message: "node \(nodeID) is already killed")
                : APIError(.conflict, code: "node_not_killed", message: "node \(nodeID) is not killed")
        }
        if killed {
            await work.stop()
            logger.notice("killed by an admin: consuming, heartbeats, elections and sweeps stopped")
            try await store.setKilled(
                nodeID, true, description: "node \(nodeID) was killed: it stopped consuming, heartbeating and electing")
        } else {
            try await store.setKilled(nodeID, false, description: "node \(nodeID) was revived and rejoins the cluster")
            await work.start()
            logger.notice("revived by an admin")
            perform(
                state.withLock { state in
                    state.lastRefresh = nil
                    return state.election?.callElection(now: .now, reason: "node \(nodeID) was revived") ?? []
                })
        }
    }

    /// The integer fields `names` of the message's body, in order.
    private static func integers(_ names: [String], in request: Request) async throws(APIError) -> [Int] {
        let body = try await request.jsonBody(limit: 1024)
        guard case .object(let fields)? = try? JSONValue(parsing: body) else {
            throw APIError(.badRequest, code: "invalid_message", message: "the message must be a JSON object")
        }
        return try names.map { name throws(APIError) in
            guard case .integer(let value)? = fields[name] else {
                throw APIError(.badRequest, code: "invalid_message", message: "the message needs an integer \(name)")
            }
            return value
        }
    }
}
