import Foundation
import Hummingbird
import JSONBytes
import Postgres
import SeatlineRuntime

/// `GET /api/events` and `GET /api/events/{id}`, served from in-memory renderings re-checked at every
/// projection commit.
struct EventController: Sendable {
    let views: PostgresClient
    let feed: SeatChangeFeed
    let seatMaps: ViewCache<SeatMap>
    let listings: ViewCache<RenderedView>
    /// The clock a hold's remaining seconds are counted by.
    let now: @Sendable () -> Date

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/events") { request, _ in try await list(request) }
        router.get("/api/events/{id}") { request, context in try await show(request, context: context) }
    }

    private func list(_ request: Request) async throws -> Response {
        let views = views
        let listing = try await listings.value(for: "", generation: feed.generation) { _ in
            try await Self.loadListing(from: views)
        }
        guard let listing else { throw APIError.unavailable("the event list is not available") }
        return Self.response(for: listing, request: request)
    }

    private func show(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let eventID = try context.pathIdentifier("id")
        let views = views
        let map = try await seatMaps.value(for: eventID, generation: feed.generation) { previous in
            // A cached map whose revision is still current only needs its time-dependent fields re-rendered.
            if let previous {
                let current = try await views.query("SELECT revision FROM event_view WHERE event_id = \(eventID)")
                guard let row = current.rows.first else { return nil }
                if try row.decode(Int64.self, at: 0) == previous.revision { return previous }
            }
            return try await SeatMap.load(eventID: eventID, from: views)
        }
        guard let map else { throw APIError.notFound("no event \(eventID)") }
        return Self.response(for: map.view(at: now()), request: request)
    }

    /// 304 without a body when `If-None-Match` names the view, otherwise 200 with it; `no-cache` makes
    /// caches revalidate with the ETag.
    private static func response(for view: RenderedView, request: Request) -> Response {
        if let ifNoneMatch = request.headers[.ifNoneMatch], view.isMatched(by: ifNoneMatch) {
            return Response(status: .notModified, headers: [.eTag: view.etag, .cacheControl: "no-cache"])
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .eTag: view.etag, .cacheControl: "no-cache"],
            body: .init(byteBuffer: view.body))
    }

    private static func loadListing(from views: PostgresClient) async throws -> RenderedView {
        let result = try await views.query(
            """
            SELECT event_id, \(sql: EventDetails.columns), total_seats, available_seats, revision
            FROM event_view ORDER BY date, event_id
            """)
        var events: [(id: String, details: EventDetails, total: Int, available: Int)] = []
        events.reserveCapacity(result.rows.count)
        var newestRevision: Int64 = 0
        let counts = EventDetails.columnCount + 1
        for row in result {
            events.append(
                (
                    try row.decode(String.self, at: 0), try EventDetails(row: row, from: 1),
                    try row.decode(Int.self, at: counts), try row.decode(Int.self, at: counts + 1)
                ))
            newestRevision = max(newestRevision, try row.decode(Int64.self, at: counts + 2))
        }
        var writer = JSONWriter(capacity: 64 + events.count * 320)
        writer.array(events) { element, event in
            element.object { fields in
                fields.field("event_id", event.id)
                event.details.write(to: &fields)
                fields.field("total_seats", event.total)
                fields.field("available_seats", event.available)
            }
        }
        // Revisions only grow, so the newest one and the count name the listing.
        return RenderedView(body: ByteBuffer(bytes: writer.bytes), etag: "\"\(newestRevision)-\(events.count)\"")
    }
}
