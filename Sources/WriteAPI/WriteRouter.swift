public import Hummingbird
public import Logging
public import SeatlineRuntime

/// The write-api's routes: the commands of the users `authenticator` verifies, published through `publisher`, and
/// the operational routes over `checks`.
public func buildWriteRouter(
    publisher: any CommandPublisher, authenticator: RequestAuthenticator, settings: WriteRoutes.Settings,
    checks: [OperationalRoutes.Check], logger: Logger
) -> Router<BasicRequestContext> {
    let router = Router()
    router.addSeatlineMiddleware(logger: logger)
    OperationalRoutes(checks: checks).register(on: router)
    WriteRoutes(publisher: publisher, authenticator: authenticator, settings: settings).register(on: router)
    return router
}
