public import Hummingbird
public import Logging

extension Router {
    /// The middleware every role's router starts with: HTTP request counts and durations per route and status for
    /// `/metrics`, then `{"error","code"}` answers for every error.
    public func addSeatlineMiddleware(logger: Logger) {
        // Outermost, so the metrics record the status the error middleware answers with.
        add(middleware: MetricsMiddleware())
        add(middleware: JSONErrorMiddleware(logger: logger))
    }
}
