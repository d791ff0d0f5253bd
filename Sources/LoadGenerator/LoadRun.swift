import Foundation
import Histogram
import Identity
public import Logging
import NIOCore
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
        let gateway = try GatewayClient(
            baseURL: options.gatewayURL, adminToken: options.adminToken, connections: options.concurrency)
        defer { Task { try? await gateway.shutdown() } }
        let tag = UUID().uuidString.prefix(8).lowercased()
        let eventIDs = (0..<(options.scenario == .spread ? options.events : 1)).map { "load-\(tag)-\($0)" }
        logger.notice("creating events", metadata: ["events": "\(eventIDs.count)", "seats": "\(options.seats)"])
        for id in eventIDs { try await gateway.createEvent(id: id, seats: options.seats) }
        let tokens = try await userTokens()

        let tally = Tally()
        let sampleEvery = max(1, options.totalRequests / max(1, options.visibilitySample))
        let (sampled, sampledSink) = AsyncStream.makeStream(of: Accepted.self, bufferingPolicy: .unbounded)
        let start = ContinuousClock.now
        // The write DB stamps decisions with wall-clock time; the same machine's clock marks the start.
        let startedAt = Date()
        let progress = Task { await reportProgress(tally, start: start) }
        async let followed: Void = follow(sampled, gateway: gateway, tally: tally)

        await drive(gateway: gateway, eventIDs: eventIDs, tokens: tokens, tally: tally) { accepted, index in
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
                eventIDs: eventIDs, confirmedBookings: confirmed, unknownAnswers: report.unknownAnswers,
                options: options, logger: logger)
            report.verification = verification
            report.decidedSeconds = verification.lastDecisionAt.map { $0.timeIntervalSince(startedAt) } ?? 0
            report.confirmedSeatsPerSecond = Double(confirmed) / max(report.decidedSeconds, 0.001)
        }
        return report
    }

    /// Sends every request, closed loop (`concurrency` in flight) or open loop (`rate` per second,
    /// latency measured from each request's intended start so a stall is not hidden). A request that got
    /// no reply (the connection failed) counts under status 0, and its outcome as unknown.
    private func drive(
        gateway: GatewayClient, eventIDs: [String], tokens: [String], tally: Tally,
        onAccepted: @escaping @Sendable (Accepted, Int) -> Void
    ) async {
        let pacer = RequestPacer(
            total: options.totalRequests, rate: options.rate, concurrency: options.concurrency,
            eventLoop: gateway.connections.eventLoop
        ) { index, intended in
            gateway.connections.execute(request(index, gateway: gateway, eventIDs: eventIDs, tokens: tokens)).map {
                reply in
                let code: String? = if case .string(let code)? = try? reply.jsonField("code") { code } else { nil }
                tally.record(
                    status: reply.status, answer: CommandAnswer(status: Int(reply.status), code: code),
                    latency: .now - intended, start: intended)
                guard reply.status == 202, case .string(let id)? = try? reply.jsonField("bookingId") else { return }
                let accepted = Accepted(bookingID: id, sentAt: intended)
                tally.accept(accepted)
                onAccepted(accepted, index)
            }.recover { _ in
                tally.record(status: 0, answer: .unknown, latency: .now - intended, start: intended)
            }
        }
        await pacer.run()
    }

    /// One token per synthetic user, signed here with the stack's key: registering and logging in that many
    /// users would measure bcrypt, not bookings.
    private func userTokens() async throws -> [String] {
        guard options.scenario != .readHeavy else { return [] }
        guard let keys = options.tokenKeys else {
            throw LoadError("booking scenarios need the stack's token key (SEATLINE_TOKEN_SIGNING_KEY)")
        }
        let issuer = await TokenIssuer(keys: keys, issuer: options.tokenIssuer, lifetime: .seconds(24 * 3600))
        var tokens: [String] = []
        for user in 0..<max(1, min(options.users, options.totalRequests)) {
            tokens.append(try await issuer.token(for: VerifiedIdentity(userID: "load-user-\(user)", role: .user)))
        }
        return tokens
    }

    /// Request `index` of the scenario: a seat map read, or a booking of one seat by the next synthetic user (in
    /// a flash sale, a `hotShare` of them aim at the hot block).
    private func request(_ index: Int, gateway: GatewayClient, eventIDs: [String], tokens: [String]) -> ByteBuffer {
        var random = SystemRandomNumberGenerator()
        let event = eventIDs[Int.random(in: 0..<eventIDs.count, using: &random)]
        if options.scenario == .readHeavy {
            return gateway.request(.GET, "/api/events/\(event)")
        }
        let seat: Int
        if options.scenario == .flashSale, Double.random(in: 0..<1, using: &random) < options.hotShare {
            seat = Int.random(in: 1...min(options.hotSeats, options.seats), using: &random)
        } else {
            seat = Int.random(in: 1...options.seats, using: &random)
        }
        return gateway.request(
            .POST, "/api/book", json: #"{"eventId":"\#(event)","seatId":"\#(seat)"}"#,
            bearer: tokens[index % tokens.count])
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
