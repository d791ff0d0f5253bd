public import Foundation
public import Hummingbird
public import Logging
public import SeatlineRuntime

/// The write-api's routes: the commands of the users `authenticator` verifies, published through `publisher` while
/// `salesActive` says sales are on, the operational routes over `checks`, and whatever `extraRoutes` adds (the
/// cluster's admin endpoints).
public func buildWriteRouter(
    publisher: any CommandPublisher, authenticator: RequestAuthenticator, settings: WriteRoutes.Settings,
    checks: [OperationalRoutes.Check], salesActive: @escaping @Sendable () -> Bool = { true },
    now: @escaping @Sendable () -> Date = Date.init, extraRoutes: (Router<BasicRequestContext>) -> Void = { _ in },
    logger: Logger
) -> Router<BasicRequestContext> {
    let router = Router()
    router.addSeatlineMiddleware(logger: logger)
    OperationalRoutes(checks: checks).register(on: router)
    WriteRoutes(
        publisher: publisher, authenticator: authenticator, settings: settings, salesActive: salesActive, now: now
    ).register(on: router)
    extraRoutes(router)
    return router
}
