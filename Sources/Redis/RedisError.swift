/// An error from the Redis client: what failed, the underlying Redis or hiredis code, and where it was raised.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; an open set, so new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in `description`.
        public let description: String

        private init(_ description: String) {
            self.description = description
        }

        /// Connecting (or reconnecting) to Redis failed, or the connection broke and could not be recovered.
        public static let connectionFailed = Code("connectionFailed")
        /// Redis did not answer within `RedisConfiguration.commandTimeout`.
        public static let timeout = Code("timeout")
        /// Redis answered the command with an error reply; `underlyingCode` holds its first word (e.g. `WRONGTYPE`).
        public static let commandFailed = Code("commandFailed")
        /// Redis's reply could not be parsed.
        public static let protocolError = Code("protocolError")
        /// The Redis URL is not of the form `redis://host:port`.
        public static let invalidURL = Code("invalidURL")
        /// The client was closed before or while the command waited for a connection.
        public static let clientClosed = Code("clientClosed")
        /// The task was cancelled while it waited for a free connection.
        public static let cancelled = Code("cancelled")
    }

    /// The kind of failure.
    public let code: Code
    /// Redis's error-reply code (e.g. `NOSCRIPT`) or hiredis's context error (e.g. `REDIS_ERR_EOF`), when there is one.
    public let underlyingCode: String?
    /// A human-readable explanation; never contains command arguments.
    public let message: String
    /// The source file that raised the error.
    public let file: String
    /// The source line that raised the error.
    public let line: Int

    /// Creates an error raised at the caller's source location.
    init(_ code: Code, _ message: String, underlyingCode: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.underlyingCode = underlyingCode
        self.message = message
        self.file = file
        self.line = line
    }

    /// An error for a Redis error reply, whose first word is Redis's error code.
    static func reply(_ text: String, file: String = #fileID, line: Int = #line) -> RedisError {
        let replyCode = text.split(separator: " ", maxSplits: 1).first.map(String.init)
        return RedisError(.commandFailed, text, underlyingCode: replyCode, file: file, line: line)
    }

    /// The code, the underlying code when there is one, the message and the source location.
    public var description: String {
        let underlying = underlyingCode.map { " (\($0))" } ?? ""
        return "RedisError.\(code)\(underlying): \(message) [\(file):\(line)]"
    }
}
