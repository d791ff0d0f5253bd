import AsyncHTTPClient
import BookingDomain
import Foundation
import LoadGenerator
import Logging
import NIOCore
import Postgres
import SeatlineTestSupport
import Synchronization
import Testing

/// Bookings through the gateway while processes die: at seeded random moments one of write-api,
/// worker, sync, read-api or Redis is killed with SIGKILL and started again, a second worker is
/// frozen with SIGSTOP past its lock TTL, the broker past write-api's delivery timeout, or Redis past the workers'
/// command timeout, or what is sent to the broker or to Redis is dropped for a while (iptables on loopback). Then everything is healed and the outcome is checked
/// against the contract. `SEATLINE_FAULT_SECONDS` (default 30) sets the least length: the run goes on until
/// it has injected `minimumFaults` too, since each restart takes longer on a busy machine (up to twice the
/// length). `SEATLINE_FAULT_SEED` replays a run.
///
/// Every answer is classed as Jepsen classes operations: ok (202), fail (a 4xx, or a 503 saying nothing was sent) or
/// unknown (no answer, or a 503 saying the command may have been carried out). Half the clients retry a 5xx with the
/// same Idempotency-Key as a person would; the other half take the first answer as it is, so that fails and unknowns
/// are left for the checker: no fail may take effect, and an unknown either never does or ends like an ok.
@Suite(.serialized) struct FaultInjectionTests {
    static let environment = ProcessInfo.processInfo.environment
    let seconds = Int(environment["SEATLINE_FAULT_SECONDS"] ?? "") ?? 30
    let seed = UInt64(environment["SEATLINE_FAULT_SEED"] ?? "") ?? UInt64.random(in: 1...999_999)
    let minimumFaults = 20
    let gateway = LocalStack.gatewayURL
    let adminToken = LocalStack.adminToken

    @Test func nothingAcceptedIsLostAndNothingIsBookedTwice() async throws {
        var random = SeededGenerator(seed: seed)
        let run = "fault-\(seed)-\(UUID().uuidString.prefix(6).lowercased())"
        let events = (0..<4).map { "\(run)-\($0)" }
        // A small event sold out at once: its seats, freed by cancellations, go to its waiting list.
        let waitlisted = "\(run)-waitlisted"
        for (event, seats) in events.map({ ($0, 60) }) + [(waitlisted, 10)] {
            try await post(
                "/api/admin/events",
                #"{"event_id":"\#(event)","name":"Faults","date":"2027-01-01","total_seats":\#(seats)}"#,
                bearer: adminToken)
        }
        let extraWorker = try LocalStack.startExtra("worker")
        defer { if extraWorker.isRunning { kill(extraWorker.processIdentifier, SIGKILL) } }

        let outcome = ClientOutcome()
        let deadline = ContinuousClock.now + .seconds(seconds)
        let latest = deadline + .seconds(seconds)
        let clients = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var index = 0
                        // `latest` too, so that clients stop even when the fault loop throws.
                        while !outcome.stopped.withLock({ $0 }) && ContinuousClock.now < latest {
                            index += 1
                            let event = events[(client + index) % events.count]
                            let seat = (client * 7 + index * 13) % 60 + 1
                            let user = "c\(client)-\(index)"
                            // Now and then a booking is cancelled by its owner, freeing its seat for the waiting.
                            if index % 7 == 0, let (owner, id) = outcome.cancellable(of: client) {
                                _ = try await request("/api/bookings/\(id)/cancel", "", as: owner, retrying: true)
                                outcome.cancelled.withLock { _ = $0.insert(id) }
                                continue
                            }
                            let waits = index % 5 == 0
                            let body =
                                switch index % 5 {
                                case 0, 1: #"{"eventId":"\#(waitlisted)","quantity":1}"#
                                default: #"{"eventId":"\#(event)","seatId":"\#(seat)"}"#
                                }
                            // One key per logical request: a retry after a 5xx never makes a second booking, and
                            // the booking id is known whatever the answer.
                            let key = "\(run)-\(client)-\(index)"
                            let id = IdempotencyKey.bookingID(userID: user, key: key).uuidString.lowercased()
                            let answer = try await request(
                                waits ? "/api/waitlist" : "/api/book", body, as: user, idempotencyKey: key,
                                retrying: client % 2 == 0)
                            outcome.record(answer, id: id, waits: waits, client: client, user: user)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }

        var faults: [String] = []
        var thawed: [String: ContinuousClock.Instant] = [:]
        var thaws: [Task<Void, any Error>] = []
        // Each healed 7 s after it was made, apart from this loop (which may wait on a restart behind the cut), and
        // all of them again on the way out, also when the test throws.
        var cuts: [LoopbackCut] = []
        defer { for cut in cuts { try? cut.heal() } }
        let cuttable = [
            "cut-broker": Self.port(of: "SEATLINE_KAFKA_BROKERS"), "cut-redis": Self.port(of: "SEATLINE_REDIS_URL"),
        ].compactMapValues { $0 }
        while ContinuousClock.now < deadline || (faults.count < minimumFaults && ContinuousClock.now < latest) {
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700, using: &random)))
            let passing = ["freeze-worker", "freeze-broker", "freeze-redis"] + cuttable.keys.sorted()
            let choices =
                ["write-api", "worker", "sync", "read-api", "redis"]
                + passing.filter { (thawed[Self.target(of: $0)] ?? .now) <= .now }
            let fault = choices.randomElement(using: &random)!
            // What every worker and write-api send to the broker, or the workers to Redis, dropped for 7 s: a cut
            // link rather than a stopped server, so sends go unanswered (unknown outcomes) and lock calls time out.
            if let port = cuttable[fault] {
                let cut = try LoopbackCut.cut(droppingWhatIsSentTo: port)
                cuts.append(cut)
                thawed[Self.target(of: fault)] = ContinuousClock.now + .seconds(14)
                thaws.append(
                    Task {
                        try await Task.sleep(for: .seconds(7))
                        try cut.heal()
                    })
                faults.append(fault)
                continue
            }
            // Each for 7 s, while the other faults go on. The worker: past the 5 s lock TTL and the 6 s group session,
            // so its locks expire and the group moves on. The broker: past write-api's 5 s delivery timeout, so
            // commands it took are answered as unknown. Redis: past the workers' 2 s command timeout, as a cut link
            // looks to them, so they decide without locks (the write DB's fenced writes still judge) and the locks
            // held when it froze run out.
            let frozen: [String: pid_t?] = [
                "freeze-worker": extraWorker.processIdentifier, "freeze-broker": LocalStack.pid(of: "kafka"),
                "freeze-redis": LocalStack.pid(of: "redis"),
            ]
            if let pid = frozen[fault] ?? nil {
                kill(pid, SIGSTOP)
                thawed[Self.target(of: fault)] = ContinuousClock.now + .seconds(14)
                thaws.append(
                    Task {
                        try await Task.sleep(for: .seconds(7))
                        kill(pid, SIGCONT)
                    })
            } else if let pid = LocalStack.pid(of: fault) {
                kill(pid, SIGKILL)
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...800, using: &random)))
                try await LocalStack.stack("start", fault)
            }
            faults.append(fault)
        }
        outcome.stopped.withLock { $0 = true }
        try await clients.value
        for thaw in thaws { try await thaw.value }
        cuts = []
        kill(extraWorker.processIdentifier, SIGKILL)
        for name in ["redis", "write-api", "worker", "sync", "read-api"] { try await LocalStack.stack("start", name) }

        let ids = outcome.accepted.withLock { $0 }
        let waiting = outcome.waiting.withLock { $0 }
        let cancelled = outcome.cancelled.withLock { $0 }
        let uncertain = outcome.uncertain.withLock { $0 }
        let report = try await ContractVerification.check(
            bookingIDs: ids, cancelled: cancelled, waitingIDs: waiting, uncertain: uncertain,
            events: events + [waitlisted])
        let unknown = uncertain.bookingIDs.count + uncertain.waitingIDs.count
        print(
            """
            fault suite: seed \(seed), \(faults.count) faults injected (\(Dictionary(grouping: faults, by: { $0 }).mapValues(\.count))), \
            \(outcome.sent.withLock { $0 }) requests: ok \(ids.count + waiting.count) (\(waiting.count) waiting), \
            fail \(uncertain.failedIDs.count), unknown \(unknown) (\(report.unknownDecided) took effect); \
            \(cancelled.count) cancelled, \(report.expiredRequests) ok ended expired_request, healed in \(report.healSeconds) s; \
            lost = \(report.lost), doubles = \(report.doubles), unknown left unsettled = \(report.unknownUnsettled), \
            fail that took effect = \(report.failedTookEffect)
            """)
        #expect(faults.count >= minimumFaults)
        #expect(!ids.isEmpty)
        #expect(report.lost == 0)
        #expect(report.doubles == 0)
        #expect(report.unknownUnsettled == 0)
        #expect(report.failedTookEffect == 0)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    /// The broker frozen while write-api waits for its acknowledgement: the answer is 503 `outcome_unknown` naming
    /// the booking the Idempotency-Key makes, though the broker has the command. Once the broker runs again the
    /// booking is decided, and a retry with the same key gets the same booking, decided once.
    @Test func aCommandTheFrozenBrokerTookIsAnsweredAsUnknownAndDecidedOnce() async throws {
        let event = LocalStack.uniqueName("unknown-outcome")
        try await post(
            "/api/admin/events", #"{"event_id":"\#(event)","name":"Unknown","date":"2027-01-01","total_seats":2}"#,
            bearer: adminToken)
        let user = LocalStack.uniqueName("unknown-user")
        let token = try await LocalStack.token(for: user)
        let booking = IdempotencyKey.bookingID(userID: user, key: "once").uuidString.lowercased()
        let body = #"{"eventId":"\#(event)","seatId":"1"}"#
        let broker = try #require(LocalStack.pid(of: "kafka"))
        kill(broker, SIGSTOP)
        let frozen = await exchange("/api/book", body, bearer: token, idempotencyKey: "once")
        kill(broker, SIGCONT)
        #expect(frozen?.0 == 503)
        #expect(frozen?.1?["code"] as? String == "outcome_unknown")
        #expect(frozen?.1?["bookingId"] as? String == booking)

        // The broker kept the command the failed send carried.
        let report = try await eventually("the unknown booking decided", within: 60) {
            let report = try await ContractVerification.check(
                bookingIDs: [], uncertain: .init(bookingIDs: [booking]), events: [event])
            return report.unknownDecided == 1 ? report : nil
        }
        #expect(report.unknownUnsettled == 0 && report.problems.isEmpty, "\(report.problems)")
        let retried = await exchange("/api/book", body, bearer: token, idempotencyKey: "once")
        #expect(retried?.0 == 202 && retried?.1?["bookingId"] as? String == booking)
        let again = try await ContractVerification.check(bookingIDs: [booking], events: [event])
        #expect(again.lost == 0 && again.problems.isEmpty, "decided once: \(again.problems)")
    }

    /// Posts `body` for `user`. A retrying client posts again after a 5xx or no answer (a process is restarting)
    /// until it gets another; the answer is the most certain one it got, since an unknown attempt may have taken
    /// effect even when a later one was refused.
    func request(
        _ path: String, _ body: String, as user: String, idempotencyKey: String? = nil, retrying: Bool
    ) async throws -> Answer {
        let token = try await LocalStack.token(for: user)
        var sawUnknown = false
        for _ in 0..<600 {
            switch await answer(path, body, bearer: token, idempotencyKey: idempotencyKey) {
            case .accepted: return .ok
            case .refused where !retrying || !sawUnknown: return .fail
            case .refused: return .unknown
            case .unknown where !retrying: return .unknown
            case .unknown: sawUnknown = true
            case .notSent where !retrying: return sawUnknown ? .unknown : .fail
            case .notSent: break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(path) kept failing")
        return sawUnknown ? .unknown : .fail
    }

    /// One attempt, classed as the load tool classes answers; no answer, or a body cut off mid-way, is unknown.
    func answer(_ path: String, _ body: String, bearer token: String, idempotencyKey: String?) async -> CommandAnswer {
        let answer = await exchange(path, body, bearer: token, idempotencyKey: idempotencyKey)
        return CommandAnswer(status: answer?.0, code: answer?.1?["code"] as? String)
    }

    /// The status and JSON body of one POST, or nil when no whole answer came.
    func exchange(
        _ path: String, _ body: String, bearer token: String, idempotencyKey: String?
    ) async -> (Int, [String: Any]?)? {
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .POST
        if !body.isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(string: body)) }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(15)),
            let bytes = try? await response.body.collect(upTo: 1 << 20)
        else { return nil }
        return (
            Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
        )
    }

    /// What a passing fault (a freeze or a cut, 7 s each) strikes: one of them at a time per target, with as long
    /// again between them, so that the broker, say, is out at most half the run and the load goes on.
    static func target(of fault: String) -> String {
        String(fault.split(separator: "-").last ?? "")
    }

    /// The port of the `host:port` or URL in the environment variable `name`.
    static func port(of name: String) -> Int? {
        environment[name].flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
    }

    /// A request's outcome as the client knows it.
    enum Answer {
        case ok
        case fail
        case unknown
    }

    /// Posts an admin command until it is accepted.
    func post(_ path: String, _ body: String, bearer token: String) async throws {
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        try #require(response.status == .accepted, "\(path) answered \(response.status)")
    }
}

/// What the clients saw: requests answered, the ids of the accepted bookings and waiting requests, of the requests
/// whose outcome is unknown or failed, the bookings their owners cancelled; and when to stop.
final class ClientOutcome: Sendable {
    let stopped = Mutex(false)
    let sent = Mutex(0)
    let accepted = Mutex<[String]>([])
    let waiting = Mutex<[String]>([])
    let uncertain = Mutex(ContractVerification.Uncertain())
    let cancelled = Mutex<Set<String>>([])
    /// Per client, its accepted bookings and their owners, in order.
    let owners = Mutex<[Int: [(user: String, booking: String)]]>([:])

    func record(_ answer: FaultInjectionTests.Answer, id: String, waits: Bool, client: Int, user: String) {
        sent.withLock { $0 += 1 }
        switch (answer, waits) {
        case (.ok, true): waiting.withLock { $0.append(id) }
        case (.ok, false):
            accepted.withLock { $0.append(id) }
            owners.withLock { $0[client, default: []].append((user, id)) }
        case (.unknown, true): uncertain.withLock { $0.waitingIDs.append(id) }
        case (.unknown, false): uncertain.withLock { $0.bookingIDs.append(id) }
        case (.fail, _): uncertain.withLock { $0.failedIDs.append(id) }
        }
    }

    /// The client's latest booking it has not cancelled yet, with its owner.
    func cancellable(of client: Int) -> (String, String)? {
        let cancelled = cancelled.withLock { $0 }
        return owners.withLock { $0[client]?.last { !cancelled.contains($0.booking) } }
    }
}
