import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import ServiceLifecycle
import Testing

@testable import ReadAPI

@Suite("live seat streams against the local stack's read DB")
struct SeatStreamTests {
    typealias Environment = ReadAPITestEnvironment

    /// Appends a seat change the way the projector does; returns its position.
    private static func appendChange(
        _ eventID: String, _ seatID: String, _ status: String, user: String?, in views: PostgresClient
    ) async throws -> Int64 {
        let result = try await views.query(
            """
            INSERT INTO seat_changes (event_id, seat_id, status, user_id)
            VALUES (\(eventID), \(seatID), \(status), \(user))
            RETURNING position
            """)
        return try #require(result.rows.first).decode(Int64.self, at: 0)
    }

    /// The frame a change becomes; the stream is public, so it never names the seat's user.
    private static func frame(_ position: Int64, _ eventID: String, _ seatID: String, _ status: String) -> String {
        "event: seat_update\nid: \(position)\ndata: "
            + #"{"event_id":"\#(eventID)","seat_id":"\#(seatID)","status":"\#(status)","user_id":null,"#
            + #""held_until":null}"# + "\n\n"
    }

    @Test("the feed delivers committed changes to the subscribers of their event only", .timeLimit(.minutes(1)))
    func feedFansOutByEvent() async throws {
        try await Environment.withScratchViews { views in
            let feed = SeatChangeFeed(
                views: views, heartbeatInterval: .seconds(3600), pollInterval: .milliseconds(50),
                logger: Environment.logger)
            let (gala, matinee) = ("gala-\(UUID())", "matinee-\(UUID())")
            let start = try await feed.head()
            let galaSubscription = feed.subscribe(eventID: gala, after: start)
            let matineeSubscription = feed.subscribe(eventID: matinee, after: start)
            let running = Task { try await feed.run() }
            defer { running.cancel() }

            let first = try await Self.appendChange(gala, "A1", "held", user: "ana", in: views)
            let other = try await Self.appendChange(matinee, "M1", "booked", user: "ben", in: views)
            let second = try await Self.appendChange(gala, "A2", "available", user: nil, in: views)

            var galaMessages = galaSubscription.messages.makeAsyncIterator()
            var received: [String] = []
            while received.count < 2, let message = await galaMessages.next() {
                if case .change(_, let frame) = message { received.append(String(buffer: frame)) }
            }
            #expect(
                received == [
                    Self.frame(first, gala, "A1", "held"), Self.frame(second, gala, "A2", "available"),
                ])
            var matineeMessages = matineeSubscription.messages.makeAsyncIterator()
            if case .change(let position, _) = await matineeMessages.next() {
                #expect(position == other)
            } else {
                Issue.record("the matinee subscriber got no change")
            }
        }
    }

    @Test("a stream resumes after Last-Event-ID and ends cleanly when the server shuts down")
    func streamResumesAfterLastEventID() async throws {
        try await Environment.withScratchViews { views in
            let gala = "gala-\(UUID())"
            _ = try await views.query(
                """
                INSERT INTO event_view (
                    event_id, name, date, venue, total_seats, available_seats, held_seats, booked_seats, version,
                    revision, created_at)
                VALUES (\(gala), 'Gala', '2026-12-01', '', 2, 2, 0, 0, 1, nextval('view_revision'), now())
                """)
            let seen = try await Self.appendChange(gala, "A1", "held", user: "ana", in: views)
            _ = try await Self.appendChange("elsewhere", "X1", "booked", user: "cy", in: views)
            let missed = try await Self.appendChange(gala, "A1", "booked", user: "ana", in: views)

            // A feed that has shut down ends every stream at once, so a response is complete after its replay.
            let feed = SeatChangeFeed(views: views, logger: Environment.logger)
            let group = ServiceGroup(configuration: .init(services: [feed], logger: Environment.logger))
            await group.triggerGracefulShutdown()
            try await group.run()

            let app = Application(
                router: buildReadRouter(
                    views: views, feed: feed, authenticator: await Environment.authenticator(),
                    logger: Environment.logger))
            try await app.test(.router) { client in
                let resume: HTTPFields = [HTTPField.Name("Last-Event-ID")!: "\(seen)"]
                try await client.execute(uri: "/api/events/\(gala)/stream", method: .get, headers: resume) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/event-stream")
                    #expect(response.headers[.cacheControl] == "no-cache")
                    let expected = ": connected\n\n" + Self.frame(missed, gala, "A1", "booked")
                    #expect(String(buffer: response.body) == expected)
                }
                try await client.execute(uri: "/api/events/\(gala)/stream", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == ": connected\n\n")
                }
            }
        }
    }
}
