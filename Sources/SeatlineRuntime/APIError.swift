public import BookingDomain
public import Hummingbird
import JSONBytes
public import Logging
import Postgres

/// Every error an HTTP client can see: a status and `{"error": "...", "code": "..."}`.
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The machine-readable code.
    public let code: String
    /// What went wrong, for a person.
    public let message: String
    /// Extra headers, such as `Retry-After`.
    public let headers: HTTPFields
    /// The booking whose fate the error leaves open (`bookingId`), so the client can read it to settle it.
    public let bookingID: String?

    /// Creates an error.
    public init(
        _ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:],
        bookingID: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.bookingID = bookingID
    }

    /// A refused request body: 400 (403 for acting as someone else) with the validator's code.
    public init(_ error: ValidationError) {
        self.init(error.status, code: error.code, message: error.message)
    }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `{"error": message, "code": code}`, and `"bookingId"` when there is one.
    public var body: [UInt8] {
        var writer = JSONWriter()
        writer.object {
            $0.field("error", message)
            $0.field("code", code)
            if let bookingID { $0.field("bookingId", bookingID) }
        }
        return writer.bytes
    }

    /// 404 for a path or resource that does not exist.
    public static func notFound(_ message: String, headers: HTTPFields = [:]) -> APIError {
        APIError(.notFound, code: "not_found", message: message, headers: headers)
    }

    /// 503 with `Retry-After` when a dependency is down.
    public static func unavailable(_ message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(
            .serviceUnavailable, code: "unavailable", message: message,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

extension ValidationError: HTTPResponseError {
    /// A refused body is the client's to fix; acting for another user is not permitted at all.
    public var status: HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .forbidden: .forbidden
        }
    }

    /// The same JSON every error has.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try APIError(self).response(from: request, context: context)
    }
}

/// Makes every error an `{"error","code"}` answer: Hummingbird's own errors (no route, a method not
/// allowed, a body too large) keep their status, a database that does not answer becomes 503 with
/// `Retry-After`, and anything unexpected is logged and answered 500.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    private let logger: Logger

    /// Logs unexpected errors to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Passes the request on and rewrites whatever it throws into an `APIError`.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where !(error is HTTPError) {
            throw error
        } catch let error as HTTPError {
            throw APIError(
                error.status, code: error.status == .notFound ? "not_found" : Self.code(for: error.status),
                message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as PostgresError {
            logger.warning("database query failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError.unavailable("the database is not available")
        } catch {
            logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal", message: "internal error")
        }
    }

    /// `method_not_allowed` for 405 and so on: the reason phrase in snake case.
    private static func code(for status: HTTPResponse.Status) -> String {
        status.reasonPhrase.lowercased().split(whereSeparator: { !$0.isLetter }).joined(separator: "_")
    }
}
