import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Postgres
import SeatlineTestSupport
import Synchronization
import Testing

/// Bookings through the gateway while processes die: at seeded random moments one of write-api,
/// worker, sync, read-api or Redis is killed with SIGKILL and started again, or a second worker is
/// frozen with SIGSTOP past its lock TTL. Then everything is healed and the outcome is checked
/// against the contract. `SEATLINE_FAULT_SECONDS` (default 30) sets the least length: the run goes on until
/// it has injected `minimumFaults` too, since each restart takes longer on a busy machine (up to twice the
/// length). `SEATLINE_FAULT_SEED` replays a run.
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
                                _ = try await post(
                                    "/api/bookings/\(id)/cancel", "", bearer: try await LocalStack.token(for: owner))
                                outcome.cancelled.withLock { _ = $0.insert(id) }
                                continue
                            }
                            let waits = index % 5 == 0
                            let body =
                                switch index % 5 {
                                case 0, 1: #"{"eventId":"\#(waitlisted)","quantity":1}"#
                                default: #"{"eventId":"\#(event)","seatId":"\#(seat)"}"#
                                }
                            // One key per logical request: a retry after a 5xx never makes a second booking.
                            let id = try await post(
                                waits ? "/api/waitlist" : "/api/book", body,
                                bearer: try await LocalStack.token(for: user),
                                idempotencyKey: "\(run)-\(client)-\(index)")
                            outcome.sent.withLock { $0 += 1 }
                            if let id {
                                if waits {
                                    outcome.waiting.withLock { $0.append(id) }
                                } else {
                                    outcome.accepted.withLock { $0.append(id) }
                                    outcome.owners.withLock { $0[client, default: []].append((user, id)) }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }

        var faults: [String] = []
        var thawed = ContinuousClock.now
        var thaws: [Task<Void, any Error>] = []
        while ContinuousClock.now < deadline || (faults.count < minimumFaults && ContinuousClock.now < latest) {
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700, using: &random)))
            let frozen = ContinuousClock.now < thawed
            let choices = ["write-api", "worker", "sync", "read-api", "redis"] + (frozen ? [] : ["freeze-worker"])
            let fault = choices.randomElement(using: &random)!
            if fault == "freeze-worker" {
                // Past the 5 s lock TTL and the 6 s group session: its locks expire and the group moves
                // on; the other faults go on meanwhile.
                let pid = extraWorker.processIdentifier
                kill(pid, SIGSTOP)
                thawed = ContinuousClock.now + .seconds(7)
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
        kill(extraWorker.processIdentifier, SIGKILL)
        for name in ["redis", "write-api", "worker", "sync", "read-api"] { try await LocalStack.stack("start", name) }

        let ids = outcome.accepted.withLock { $0 }
        let waiting = outcome.waiting.withLock { $0 }
        let cancelled = outcome.cancelled.withLock { $0 }
        let report = try await ContractVerification.check(
            bookingIDs: ids, cancelled: cancelled, waitingIDs: waiting, events: events + [waitlisted])
        print(
            """
            fault suite: seed \(seed), \(faults.count) faults injected (\(Dictionary(grouping: faults, by: { $0 }).mapValues(\.count))), \
            \(outcome.sent.withLock { $0 }) requests, \(ids.count) bookings and \(waiting.count) waiting requests accepted, \
            \(cancelled.count) cancelled, lost = \(report.lost), doubles = \(report.doubles)
            """)
        #expect(faults.count >= minimumFaults)
        #expect(!ids.isEmpty)
        #expect(report.lost == 0)
        #expect(report.doubles == 0)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    /// Posts until the gateway gives an answer that is not a 5xx (a process is restarting); returns
    /// the booking id of a 202.
    @discardableResult
    func post(
        _ path: String, _ body: String, bearer token: String, idempotencyKey: String? = nil
    ) async throws -> String? {
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .POST
        if !body.isEmpty { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(string: body)) }
        for _ in 0..<600 {
            // A body cut off mid-way (the upstream died after its headers) is no answer either; the
            // Idempotency-Key makes the retry safe.
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(15)),
                let bytes = try? await response.body.collect(upTo: 1 << 20)
            {
                if response.status.code < 500 {
                    guard response.status == .accepted else { return nil }
                    let object = try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
                    return object?["bookingId"] as? String
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(path) kept failing")
        return nil
    }
}

/// What the clients saw: requests answered, the ids of the accepted bookings and waiting requests, the bookings
/// their owners cancelled; and when to stop.
final class ClientOutcome: Sendable {
    let stopped = Mutex(false)
    let sent = Mutex(0)
    let accepted = Mutex<[String]>([])
    let waiting = Mutex<[String]>([])
    let cancelled = Mutex<Set<String>>([])
    /// Per client, its accepted bookings and their owners, in order.
    let owners = Mutex<[Int: [(user: String, booking: String)]]>([:])

    /// The client's latest booking it has not cancelled yet, with its owner.
    func cancellable(of client: Int) -> (String, String)? {
        let cancelled = cancelled.withLock { $0 }
        return owners.withLock { $0[client]?.last { !cancelled.contains($0.booking) } }
    }
}
