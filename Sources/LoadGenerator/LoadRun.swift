import Foundation
import Histogram
public import Logging
import NIOHTTP1
import Synchronization

/// One load run: sets up its events, drives the gateway closed- or open-loop, follows a sample of
/// bookings to their final status on the read side, waits for every accepted booking to end, and
/// checks the result against both databases.
public struct LoadRun: Sendable {
    private let options: LoadOptions
    private let logger: Logger

    /// A run with these options.
    public init(options: LoadOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs, prints a progress line every second, and returns the report.
    public func run() async throws -> LoadReport {
        let gateway = GatewayClient(
            baseURL: options.gatewayURL, adminToken: options.adminToken, connections: options.concurrency)
        defer { Task { try? await gateway.shutdown() } }
        let tag = UUID().uuidString.prefix(8).lowercased()
        let eventIDs = (0..<(options.scenario == .spread ? options.events : 1)).map { "load-\(tag)-\($0)" }
        logger.notice("creating events", metadata: ["events": "\(eventIDs.count)", "seats": "\(options.seats)"])
        for id in eventIDs { try await gateway.createEvent(id: id, seats: options.seats) }

        let tally = Tally()
        let sampleEvery = max(1, options.totalRequests / max(1, options.visibilitySample))
        let (sampled, sampledSink) = AsyncStream.makeStream(of: Accepted.self, bufferingPolicy: .unbounded)
        let start = ContinuousClock.now
        // The write DB stamps decisions with wall-clock time; the same machine's clock marks the start.
        let startedAt = Date()
        let progress = Task { await reportProgress(tally, start: start) }
        async let followed: Void = follow(sampled, gateway: gateway, tally: tally)

        try await drive(gateway: gateway, eventIDs: eventIDs, tally: tally) { accepted, index in
            if index % sampleEvery == 0 { sampledSink.yield(accepted) }
        }
        sampledSink.finish()
        let loadDuration = ContinuousClock.now - start
        await followed
        progress.cancel()

        var report = tally.report(options: options, loadDuration: loadDuration)
        if options.scenario != .readHeavy {
            let outcomes = try await awaitOutcomes(tally.acceptedIDs, gateway: gateway)
            report.finalStatuses = outcomes.statuses
            report.lost = outcomes.lost
            report.settledSeconds = (ContinuousClock.now - start).seconds
            let confirmed = outcomes.statuses["CONFIRMED", default: 0]
            let verification = try await Verification.check(
                eventIDs: eventIDs, confirmedBookings: confirmed, options: options, logger: logger)
            report.verification = verification
            report.decidedSeconds = verification.lastDecisionAt.map { $0.timeIntervalSince(startedAt) } ?? 0
            report.confirmedSeatsPerSecond = Double(confirmed) / max(report.decidedSeconds, 0.001)
        }
        return report
    }

    /// Sends every request, closed loop (`concurrency` in flight) or open loop (`rate` per second,
    /// latency measured from each request's intended start so a stall is not hidden).
    private func drive(
        gateway: GatewayClient, eventIDs: [String], tally: Tally,
        onAccepted: @escaping @Sendable (Accepted, Int) -> Void
    ) async throws {
        let total = options.totalRequests
        let senders = options.concurrency
        let start = ContinuousClock.now
        let counter = RequestCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    var index = sender
                    while true {
                        if options.rate == nil {
                            index = counter.take()
                        }
                        guard index < total else { return }
                        var intended = ContinuousClock.now
                        if let rate = options.rate {
                            intended = start + .seconds(Double(index) / Double(rate))
                            try await Task.sleep(until: intended, clock: .continuous)
                        }
                        try await sendOne(
                            index, gateway: gateway, eventIDs: eventIDs, intended: intended, tally: tally,
                            random: &random, onAccepted: onAccepted)
                        if options.rate != nil { index += senders }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func sendOne(
        _ index: Int, gateway: GatewayClient, eventIDs: [String], intended: ContinuousClock.Instant, tally: Tally,
        random: inout SystemRandomNumberGenerator, onAccepted: (Accepted, Int) -> Void
    ) async throws {
        let event = eventIDs[Int.random(in: 0..<eventIDs.count, using: &random)]
        if options.scenario == .readHeavy {
            let reply = try await gateway.send(.GET, "/api/events/\(event)")
            tally.record(status: reply.status, latency: ContinuousClock.now - intended, start: intended)
            return
        }
        let seat: Int
        if options.scenario == .flashSale, Double.random(in: 0..<1, using: &random) < options.hotShare {
            seat = Int.random(in: 1...min(options.hotSeats, options.seats), using: &random)
        } else {
            seat = Int.random(in: 1...options.seats, using: &random)
        }
        let reply = try await gateway.send(
            .POST, "/api/book", json: #"{"userId":"load-user-\#(index)","eventId":"\#(event)","seatId":"\#(seat)"}"#)
        let latency = ContinuousClock.now - intended
        tally.record(status: reply.status, latency: latency, start: intended)
        guard reply.status == 202, case .string(let id)? = try? reply.jsonField("bookingId") else { return }
        let accepted = Accepted(bookingID: id, sentAt: intended)
        tally.accept(accepted)
        onAccepted(accepted, index)
    }

    /// Polls each sampled booking until the read side shows its final status. Enough followers run
    /// at once that a sampled booking never waits for a free one (which would add to its latency),
    /// while their polling stays a small share of the read traffic.
    private func follow(_ sampled: AsyncStream<Accepted>, gateway: GatewayClient, tally: Tally) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await accepted in sampled {
                if inFlight >= 64 {
                    await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask {
                    while (try? await gateway.finalStatus(of: accepted.bookingID)) == nil {
                        // Fine-grained where the targets are; coarser for stragglers, whose polling would
                        // otherwise load the very read side it measures.
                        let waited = ContinuousClock.now - accepted.sentAt
                        try? await Task.sleep(for: .milliseconds(waited < .milliseconds(500) ? 20 : 100))
                    }
                    tally.recordVisible(ContinuousClock.now - accepted.sentAt)
                }
            }
        }
    }

    /// Waits for every accepted booking to reach a final status; after three idle minutes the rest count as lost.
    private func awaitOutcomes(
        _ ids: [String], gateway: GatewayClient
    ) async throws -> (
        statuses: [String: Int], lost: Int
    ) {
        var pending = ids
        var statuses: [String: Int] = [:]
        var lastProgress = ContinuousClock.now
        while !pending.isEmpty, ContinuousClock.now - lastProgress < .seconds(180) {
            let results = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                var results: [(String, String?)] = []
                var iterator = pending.makeIterator()
                for _ in 0..<options.concurrency {
                    guard let id = iterator.next() else { break }
                    group.addTask { (id, try await gateway.finalStatus(of: id)) }
                }
                while let result = try await group.next() {
                    results.append(result)
                    if let id = iterator.next() { group.addTask { (id, try await gateway.finalStatus(of: id)) } }
                }
                return results
            }
            pending = results.filter { $0.1 == nil }.map(\.0)
            for case (_, let status?) in results {
                statuses[status, default: 0] += 1
                lastProgress = ContinuousClock.now
            }
            if !pending.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
        }
        return (statuses, pending.count)
    }

    private func reportProgress(_ tally: Tally, start: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let snapshot = tally.snapshot()
            let elapsed = (ContinuousClock.now - start).seconds
            let line = String(
                format: "\r%6.1fs  sent %8d  accepted %8d  %7.0f/s  p50 %6.1f ms  p99 %6.1f ms  visible %6d",
                elapsed, snapshot.sent, snapshot.accepted, Double(snapshot.sent) / max(elapsed, 0.001),
                snapshot.p50Milliseconds, snapshot.p99Milliseconds, snapshot.visible)
            FileHandle.standardError.write(Data(line.utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

/// Hands out request indices to the closed-loop senders.
final class RequestCounter: Sendable {
    private let next = Mutex(0)

    func take() -> Int {
        next.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// A booking the gateway accepted, and when its request was (meant to be) sent.
struct Accepted: Sendable {
    let bookingID: String
    let sentAt: ContinuousClock.Instant
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var microseconds: UInt64 {
        UInt64(max(0, seconds * 1e6))
    }
}
