import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres
import SeatlineRuntime
import ServiceLifecycle

/// `GET /api/events/{id}/stream`: Server-Sent Events, one `seat_update` per seat change of the event.
///
/// Starts after `Last-Event-ID`, or after the newest change when there is none: the stored changes after
/// that position are replayed from `seat_changes`, then live changes follow, those already sent skipped.
struct SeatStreamController: Sendable {
    private static let lastEventID = HTTPField.Name("Last-Event-ID")!
    private static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
    private static let replayPageSize = 1000

    let views: PostgresClient
    let feed: SeatChangeFeed

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/events/{id}/stream") { request, context in try await stream(request, context: context) }
    }

    private func stream(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let eventID = try context.pathIdentifier("id")
        let resumeAfter = request.headers[Self.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard try await !views.query("SELECT 1 FROM event_view WHERE event_id = \(eventID)").rows.isEmpty else {
            throw APIError.notFound("no event \(eventID)")
        }
        // Subscribed before the replay is read, and the replay reaches past the subscription: no change falls
        // between the two, and the live changes the replay already sent are skipped by position.
        let start: Int64
        if let resumeAfter { start = resumeAfter } else { start = try await feed.head() }
        let subscription = feed.subscribe(eventID: eventID, after: start)
        let views = views
        let body = ResponseBody { writer in
            try await withGracefulShutdownHandler {
                try await writer.write(SeatStreamFrame.connected)
                var sent = try await Self.replay(eventID: eventID, after: start, from: views, to: &writer)
                for await message in subscription.messages {
                    switch message {
                    case .heartbeat:
                        try await writer.write(SeatStreamFrame.heartbeat)
                    case .change(let position, let frame) where position > sent:
                        try await writer.write(frame)
                        sent = position
                    case .change:
                        continue
                    }
                }
            } onGracefulShutdown: {
                subscription.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-cache", Self.accelBuffering: "no",
            ],
            body: body)
    }

    /// Writes the stored changes after `position`; returns the last position written.
    private static func replay(
        eventID: String, after position: Int64, from views: PostgresClient, to writer: inout any ResponseBodyWriter
    ) async throws -> Int64 {
        var last = position
        while true {
            let rows = try await views.query(
                """
                SELECT position, seat_id, status, iso8601_utc(held_until)
                FROM seat_changes WHERE event_id = \(eventID) AND position > \(last)
                ORDER BY position LIMIT \(replayPageSize)
                """)
            for row in rows {
                last = try row.decode(Int64.self, at: 0)
                try await writer.write(
                    SeatStreamFrame.seatUpdate(
                        position: last, eventID: eventID, seatID: try row.decode(String.self, at: 1),
                        status: try row.decode(String.self, at: 2),
                        heldUntil: try row.decodeIfPresent(String.self, at: 3)))
            }
            if rows.rows.count < replayPageSize { return last }
        }
    }
}
