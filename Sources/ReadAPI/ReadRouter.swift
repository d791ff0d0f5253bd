public import Foundation
public import Hummingbird
public import Logging
public import Postgres
public import SeatlineRuntime

/// The read-api's routes over `views` (the read DB), with `feed` for live streams and cache invalidation, and
/// `authenticator` for bookings, which only their owners and administrators may read.
public func buildReadRouter(
    views: PostgresClient, feed: SeatChangeFeed, authenticator: RequestAuthenticator,
    now: @escaping @Sendable () -> Date = Date.init, logger: Logger
) -> Router<BasicRequestContext> {
    let router = Router()
    router.addSeatlineMiddleware(logger: logger)
    OperationalRoutes(checks: [.init("read_db") { await views.isReachable() }]).register(on: router)
    // Renderings are re-checked at every projection commit the feed hears of, and at least once a second.
    EventController(
        views: views, feed: feed, seatMaps: ViewCache(maxAge: .seconds(1)), listings: ViewCache(maxAge: .seconds(1)),
        now: now
    ).register(on: router)
    SeatStreamController(views: views, feed: feed).register(on: router)
    BookingController(views: views, authenticator: authenticator).register(on: router)
    return router
}
