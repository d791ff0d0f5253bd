import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SeatlineTestSupport
import Synchronization
import Testing

/// The cluster of the test stack's three worker nodes: Bully elections when the leader is killed, revived or frozen,
/// the term fence against a deposed leader, kills under booking load, and the sales switch. Each test leaves the
/// cluster as it found it: every node alive, the highest leading, sales on.
@Suite(.serialized) struct ClusterFaultTests {
    let gateway = LocalStack.gatewayURL
    let admin = "Bearer \(LocalStack.adminToken)"
    /// The longest an election may take with the test stack's settings: a stale heartbeat (3 s), a round of ELECTION
    /// (1 s) and the wait for the announcement (3 s), one heartbeat round for each side to see it, twice over for a
    /// busy machine.
    let electionBound = 2.0 * (3 + 1 + 3 + 2)

    struct Node: Decodable {
        let id: Int
        let role: String
        let alive: Bool
        let isLeader: Bool
        let killed: Bool
        let port: Int
    }

    struct Election: Decodable {
        let term: Int
        let oldLeaderId: Int?
        let newLeaderId: Int
        let candidates: [Int]
        let reason: String
    }

    struct Transaction: Decodable {
        let id: Int
        let nodeId: Int?
        let actionType: String
        let description: String
    }

    @Test func killingTheLeaderElectsTheNextHighestAndRevivingItTakesOverAgain() async throws {
        let workers = try await settledCluster()
        let leader = workers[workers.count - 1]
        let next = workers[workers.count - 2]
        let termBefore = try await elections().first?.term ?? 0
        let stream = AdminStream(url: gateway + "/api/admin/stream", authorization: admin)
        defer { stream.stop() }
        try await stream.waitUntilOpen()

        let killed: Node = try await call(.POST, "/api/admin/nodes/\(leader.id)/kill")
        #expect(killed.killed && !killed.alive)
        let successor = try await eventually("node \(next.id) leading", within: electionBound) {
            try await nodes().first { $0.isLeader && $0.id == next.id }
        }
        #expect(successor.alive)
        let record = try #require(try await elections().first)
        #expect(record.newLeaderId == next.id)
        #expect(record.term > termBefore)
        #expect(record.candidates.contains(next.id) && !record.candidates.contains(leader.id))
        let log: [Transaction] = try await call(.GET, "/api/admin/transactions?limit=200")
        #expect(log.contains { $0.actionType == "KILL" && $0.nodeId == leader.id })
        #expect(log.contains { $0.actionType == "ELECTION" && $0.nodeId == next.id })
        // A second kill of the same node is refused, and so is killing what is no worker.
        #expect(try await status(.POST, "/api/admin/nodes/\(leader.id)/kill") == 409)
        #expect(try await status(.POST, "/api/admin/nodes/999999/kill") == 404)
        let writeAPI = try #require(try await nodes().first { $0.role == "write-api" })
        #expect(try await status(.POST, "/api/admin/nodes/\(writeAPI.id)/kill") == 409)

        let revived: Node = try await call(.POST, "/api/admin/nodes/\(leader.id)/revive")
        #expect(!revived.killed)
        _ = try await eventually("node \(leader.id) leading again", within: electionBound) {
            try await nodes().first { $0.isLeader && $0.id == leader.id && $0.alive }
        }
        let takeover = try #require(try await elections().first)
        #expect(takeover.newLeaderId == leader.id && takeover.term > record.term)

        // The dashboard's stream saw it in order: the kill, an election started, its steps, its end.
        let events = try await eventually("the stream to show both elections end", within: 10) {
            let events = stream.events()
            return events.filter { $0.name == "election_ended" }.count >= 2 ? events : nil
        }
        let names = events.map(\.name)
        let kill = try #require(
            events.firstIndex { $0.name == "new_transaction" && $0.data.contains(#""actionType":"KILL""#) })
        let started = try #require(names[kill...].firstIndex(of: "election_started"))
        let step = try #require(names[started...].firstIndex(of: "election_step"))
        #expect(names[step...].contains("election_ended"))
        #expect(names.contains("node_update"))
        #expect(events.contains { $0.name == "election_step" && $0.data.contains(#""type":"victory""#) })
    }

    /// Split brain: the leader frozen with SIGSTOP past its heartbeat timeout, another node elected, holds expired by
    /// it; resumed, the old leader still believes it leads until it reads its inbox or the leadership row. Whether its
    /// first sweep comes before that is a race (refused by the term fence when it does:
    /// `HoldTests.aSweepUnderATermThatIsOverChangesNothing` proves the fence itself); either way no hold is released
    /// twice, and no release comes from the frozen node.
    @Test func aFrozenLeaderIsDeposedAndItsSweepsChangeNothing() async throws {
        let workers = try await settledCluster()
        let leader = workers[workers.count - 1]
        let process = try #require(Self.processName(port: leader.port), "no stack process for node \(leader.id)")
        let pid = try #require(LocalStack.pid(of: process))
        let fencedBefore = try await fencedSweeps(of: leader)

        let (event, holds) = try await heldSeats(6, event: "split-brain", holders: "sleeper")

        kill(pid, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(pid, SIGCONT) } }
        _ = try await eventually("another leader while node \(leader.id) is frozen", within: electionBound) {
            try await nodes().first { $0.isLeader && $0.id != leader.id }
        }
        // The 8-second holds run out and the new leader releases them.
        for id in holds { #expect(try await finalStatus(of: id, in: ["EXPIRED"]) == "EXPIRED") }
        let deposedTerm = try #require(try await elections().first).term
        kill(pid, SIGCONT)
        resumed = true

        // It wakes believing it leads, follows once it hears otherwise, and as the highest it takes over again.
        _ = try await eventually("node \(leader.id) leading a new term", within: electionBound) {
            try await nodes().first { $0.isLeader && $0.id == leader.id }
        }
        #expect(try #require(try await elections().first).term > deposedTerm)
        print(
            "split brain: node \(leader.id)'s sweeps refused by the term fence after it woke: \(try await fencedSweeps(of: leader) - fencedBefore)"
        )
        let log: [Transaction] = try await call(.GET, "/api/admin/transactions?limit=1000")
        let releasesLogged = log.filter { row in
            row.actionType == "RELEASE" && holds.contains { row.description.contains($0.lowercased()) }
        }
        #expect(releasesLogged.count == holds.count)
        #expect(releasesLogged.allSatisfy { $0.nodeId != leader.id })
        let releases = try await releaseCounts(in: event)
        #expect(releases.count == holds.count)
        #expect(releases.allSatisfy { $0 == 1 })
    }

    /// Split brain by a partition: what the other workers send to the leader is dropped (iptables on its port), but
    /// it still reaches PostgreSQL, so its heartbeats stay fresh and it goes on believing it leads. A lower node
    /// revived meanwhile calls an election that nobody above it answers, and the next highest wins a new term: two
    /// nodes believe they lead. The deposed one's sweeps run under a term that is over, so the term fence refuses
    /// them; every hold that runs out during the partition is released once.
    @Test func aLeaderCutOffFromTheOtherWorkersIsFencedByTheTerm() async throws {
        let workers = try await settledCluster()
        let leader = workers[workers.count - 1]
        let next = workers[workers.count - 2]
        let fencedBefore = try await fencedSweeps(of: leader)
        let termBefore = try await elections().first?.term ?? 0

        let (event, holds) = try await heldSeats(4, event: "partition", holders: "partitioned")

        let cut = try LoopbackCut.cut(droppingWhatIsSentTo: leader.port)
        var healed = false
        defer { if !healed { try? cut.heal() } }
        let _: Node = try await call(.POST, "/api/admin/nodes/\(workers[0].id)/kill")
        let _: Node = try await call(.POST, "/api/admin/nodes/\(workers[0].id)/revive")
        _ = try await eventually(
            "node \(next.id) elected while node \(leader.id) is cut off", within: electionBound
        ) {
            try await elections().first { $0.term > termBefore && $0.newLeaderId == next.id }
        }
        // The 8-second holds run out during the partition.
        for id in holds { #expect(try await finalStatus(of: id, in: ["EXPIRED"]) == "EXPIRED") }
        try cut.heal()
        healed = true

        _ = try await settledCluster()
        print(
            "partition: node \(leader.id)'s sweeps refused by the term fence: \(try await fencedSweeps(of: leader) - fencedBefore)"
        )
        let releases = try await releaseCounts(in: event)
        #expect(releases.count == holds.count)
        #expect(releases.allSatisfy { $0 == 1 })
    }

    /// Bookings from several clients while a worker is killed and revived twice: its partitions move to the others,
    /// and every accepted booking ends once.
    @Test func killingAWorkerUnderBookingLoadLosesAndDoublesNothing() async throws {
        let workers = try await settledCluster()
        let events = (0..<3).map { LocalStack.uniqueName("cluster-load-\($0)") }
        for event in events {
            try await post(
                "/api/admin/events", #"{"event_id":"\#(event)","name":"Load","date":"2027-01-01","total_seats":40}"#)
        }
        let load = LoadOutcome()
        let clients = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !load.stopped.withLock({ $0 }) {
                            index += 1
                            let event = events[(client + index) % events.count]
                            let token = try await LocalStack.token(for: "cluster-\(client)-\(index)")
                            let id = try await bookingID(
                                post(
                                    "/api/book",
                                    #"{"eventId":"\#(event)","seatId":"\#((client * 11 + index * 7) % 40 + 1)"}"#,
                                    bearer: "Bearer \(token)"))
                            load.accepted.withLock { $0.append(id) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        for victim in [workers[0], workers[workers.count - 1]] {
            try await Task.sleep(for: .seconds(2))
            let _: Node = try await call(.POST, "/api/admin/nodes/\(victim.id)/kill")
            try await Task.sleep(for: .seconds(4))
            let _: Node = try await call(.POST, "/api/admin/nodes/\(victim.id)/revive")
        }
        try await Task.sleep(for: .seconds(2))
        load.stopped.withLock { $0 = true }
        try await clients.value
        _ = try await settledCluster()

        let ids = load.accepted.withLock { $0 }
        let report = try await ContractVerification.check(bookingIDs: ids, events: events)
        print("cluster load: \(ids.count) bookings accepted, lost = \(report.lost), doubles = \(report.doubles)")
        #expect(!ids.isEmpty)
        #expect(report.lost == 0)
        #expect(report.doubles == 0)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    /// Kills and revives as fast as an admin (or a fuzzer) can click, through several rebalances still forming: the
    /// group must come out of it assigning every partition, so a new booking is decided. Workers that left the group
    /// during a forming rebalance once left the local broker naming a departed leader, and nothing was decided again.
    @Test func aStormOfKillsAndRevivesLeavesTheWorkersDeciding() async throws {
        let workers = try await settledCluster()
        var killed: Set<Int> = []
        for round in 0..<20 {
            for worker in workers.shuffled() {
                let action = killed.contains(worker.id) ? "revive" : "kill"
                let answer = try await status(.POST, "/api/admin/nodes/\(worker.id)/\(action)")
                #expect(answer == 200, "round \(round): \(action) node \(worker.id)")
                if action == "kill" { killed.insert(worker.id) } else { killed.remove(worker.id) }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        for id in killed { #expect(try await status(.POST, "/api/admin/nodes/\(id)/revive") == 200) }
        _ = try await settledCluster()

        // Events hash to partitions; several make it likely that every partition has a booking to decide.
        let token = "Bearer \(try await LocalStack.token(for: "storm-tester"))"
        var bookings: [String] = []
        for index in 0..<4 {
            let event = LocalStack.uniqueName("after-storm-\(index)")
            try await post(
                "/api/admin/events", #"{"event_id":"\#(event)","name":"Storm","date":"2027-01-01","total_seats":1}"#)
            bookings.append(
                try await bookingID(post("/api/book", #"{"eventId":"\#(event)","seatId":"1"}"#, bearer: token)))
        }
        for id in bookings {
            #expect(try await finalStatus(of: id, in: ["CONFIRMED"], bearer: token) == "CONFIRMED")
        }
    }

    @Test func pausedSalesRefuseCommandsAndEnqueueNothingUntilResumed() async throws {
        let event = LocalStack.uniqueName("paused")
        try await post(
            "/api/admin/events", #"{"event_id":"\#(event)","name":"Paused","date":"2027-01-01","total_seats":2}"#)
        _ = try await eventually("the event on the read side", within: 30) {
            try await status(.GET, "/api/events/\(event)") == 200 ? true : nil
        }
        let token = "Bearer \(try await LocalStack.token(for: "pause-tester"))"
        let off: [String: Bool] = try await call(.POST, "/api/admin/system/toggle", body: #"{"active":false}"#)
        #expect(off == ["active": false])
        var resumed = false
        defer {
            if !resumed { Task { _ = try? await post("/api/admin/system/toggle", #"{"active":true}"#) } }
        }
        let acceptedBefore = try await acceptedCommands()
        let refused = try await send(
            .POST, "/api/book", body: #"{"eventId":"\#(event)","seatId":"1"}"#, authorization: token)
        #expect(refused.status == 503)
        #expect(refused.headers["Retry-After"].first != nil)
        #expect(refused.body.contains(#""code":"sales_paused""#))
        #expect(try await status(.GET, "/api/events/\(event)") == 200)
        #expect(try await acceptedCommands() == acceptedBefore)

        let on: [String: Bool] = try await call(.POST, "/api/admin/system/toggle", body: #"{"active":true}"#)
        resumed = true
        #expect(on == ["active": true])
        let id = try await bookingID(post("/api/book", #"{"eventId":"\#(event)","seatId":"1"}"#, bearer: token))
        #expect(try await finalStatus(of: id, in: ["CONFIRMED"], bearer: token) == "CONFIRMED")
        #expect(try await status(.POST, "/api/admin/system/toggle", body: #"{"active":"no"}"#) == 400)
    }

    // MARK: - The cluster through the gateway

    /// Waits until every worker node is alive and the highest leads; returns them by id.
    func settledCluster() async throws -> [Node] {
        try await eventually("every worker alive and the highest leading", within: 2 * electionBound) {
            let workers = try await nodes().filter { $0.role == "worker" && !$0.killed && $0.alive }
                .sorted { $0.id < $1.id }
            guard workers.count >= 3, workers.last?.isLeader == true else { return nil }
            return workers
        }
    }

    func nodes() async throws -> [Node] { try await call(.GET, "/api/admin/nodes") }

    /// A new event of `count` seats, each held by a user of its own named after `holders`; returns once all are HELD.
    func heldSeats(_ count: Int, event name: String, holders: String) async throws -> (String, [String]) {
        let event = LocalStack.uniqueName(name)
        try await post(
            "/api/admin/events",
            #"{"event_id":"\#(event)","name":"Holds","date":"2027-01-01","total_seats":\#(count)}"#)
        var holds: [String] = []
        for seat in 1...count {
            let token = try await LocalStack.token(for: "\(holders)-\(seat)")
            holds.append(
                try await bookingID(
                    post("/api/holds", #"{"eventId":"\#(event)","seatId":"\#(seat)"}"#, bearer: "Bearer \(token)")))
        }
        for id in holds { _ = try await finalStatus(of: id, in: ["HELD"]) }
        return (event, holds)
    }

    /// How often the journal of `event` released each booking's seats, one count per booking released.
    func releaseCounts(in event: String) async throws -> [Int] {
        try await LocalStack.withWriteDatabase { database in
            try await database.query(
                """
                SELECT payload->>'bookingID', count(*) FROM journal
                WHERE stream_id = \(event) AND entry_type = 'SeatReleased' GROUP BY 1
                """
            ).map { try $0.decode(Int.self, at: 1) }
        }
    }

    func elections() async throws -> [Election] { try await call(.GET, "/api/admin/elections/history?limit=5") }

    /// The node's count of sweeps the term fence refused, from its own metrics.
    func fencedSweeps(of node: Node) async throws -> Int {
        let metrics = try await send(.GET, "http://127.0.0.1:\(node.port)/metrics", absolute: true).body
        return Self.counter("seatline_expiry_sweeps_fenced_total", in: metrics)
    }

    /// write-api's count of accepted commands.
    func acceptedCommands() async throws -> Int {
        let port = ProcessInfo.processInfo.environment["SEATLINE_WRITE_API_PORT"] ?? "8081"
        let metrics = try await send(.GET, "http://127.0.0.1:\(port)/metrics", absolute: true).body
        return Self.counter("seatline_write_commands_accepted_total", in: metrics)
    }

    static func counter(_ name: String, in metrics: String) -> Int {
        metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "").map { Int($0) } } ?? 0
    }

    /// The stack's process of a worker node, by the port it listens on.
    static func processName(port: Int) -> String? {
        let environment = ProcessInfo.processInfo.environment
        return [
            ("worker", "SEATLINE_WORKER_PORT", "8083"), ("worker-2", "SEATLINE_WORKER_2_PORT", "8086"),
            ("worker-3", "SEATLINE_WORKER_3_PORT", "8087"),
        ].first { Int(environment[$0.1] ?? $0.2) == port }?.0
    }

    func finalStatus(of id: String, in statuses: Set<String>, bearer: String? = nil) async throws -> String {
        try await eventually("booking \(id) \(statuses.sorted())", within: 60, every: .milliseconds(200)) {
            let reply = try await send(.GET, "/api/bookings/\(id)", authorization: bearer ?? admin)
            guard reply.status == 200,
                let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                let status = object["status"] as? String, statuses.contains(status)
            else { return nil }
            return status
        }
    }

    // MARK: - HTTP

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
    }

    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, authorization: String? = nil, absolute: Bool = false
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: absolute ? path : gateway + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization ?? admin)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func status(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> Int {
        try await send(method, path, body: body).status
    }

    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> T {
        let reply = try await send(method, path, body: body)
        guard reply.status == 200 else { throw UnexpectedReply(path: path, status: reply.status, body: reply.body) }
        return try JSONDecoder().decode(T.self, from: Data(reply.body.utf8))
    }

    @discardableResult
    func post(_ path: String, _ body: String, bearer: String? = nil) async throws -> Reply {
        try await send(.POST, path, body: body, authorization: bearer)
    }

    func bookingID(_ reply: Reply) throws -> String {
        guard reply.status == 202,
            let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
            let id = object["bookingId"] as? String
        else { throw UnexpectedReply(path: "a command", status: reply.status, body: reply.body) }
        return id
    }

    struct UnexpectedReply: Error, CustomStringConvertible {
        let path: String
        let status: Int
        let body: String
        var description: String { "\(path) answered \(status): \(body)" }
    }
}

/// The bookings the load clients had accepted, and when to stop.
final class LoadOutcome: Sendable {
    let accepted = Mutex<[String]>([])
    let stopped = Mutex(false)
}

/// The admin stream read in the background: each event's name and data, in order.
final class AdminStream: Sendable {
    struct Event: Sendable {
        let name: String
        let data: String
    }

    private final class Inbox: Sendable {
        let received = Mutex<[Event]>([])
        let opened = Mutex(false)
    }

    private let inbox = Inbox()
    private let task: Task<Void, any Error>

    init(url: String, authorization: String) {
        let inbox = inbox
        task = Task {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Authorization", value: authorization)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
            var pending = ""
            for try await chunk in response.body {
                inbox.opened.withLock { $0 = true }
                pending += String(buffer: chunk)
                while let end = pending.range(of: "\n\n") {
                    let frame = pending[..<end.lowerBound]
                    pending = String(pending[end.upperBound...])
                    var name = ""
                    var data = ""
                    for line in frame.split(separator: "\n") {
                        if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                        if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                    }
                    if !name.isEmpty { inbox.received.withLock { $0.append(Event(name: name, data: data)) } }
                }
            }
        }
    }

    func waitUntilOpen() async throws {
        _ = try await eventually("the admin stream open", within: 10) { inbox.opened.withLock { $0 } ? true : nil }
    }

    func events() -> [Event] { inbox.received.withLock { $0 } }

    func stop() { task.cancel() }
}
