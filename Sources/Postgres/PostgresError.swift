/// The one error type of the Postgres module: what went wrong, the server's SQLSTATE when there is one, and where.
///
/// `description` carries only the primary message, never SQL text, parameter values or connection secrets.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; extensible, compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as printed in `description`.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// No connection to the server could be opened or re-established.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke while a statement was in flight.
        public static let connectionLost = Code("connectionLost")
        /// The server rejected the statement; `sqlState` says why.
        public static let queryFailed = Code("queryFailed")
        /// A bound value cannot be sent in text format (for instance it contains a NUL byte).
        public static let invalidParameter = Code("invalidParameter")
        /// A value could not be encoded (for instance a `PostgresJSON` payload).
        public static let encodingFailed = Code("encodingFailed")
        /// A column value could not be decoded into the requested Swift type.
        public static let decodingFailed = Code("decodingFailed")
        /// The pool was closed before or while waiting for a connection.
        public static let poolClosed = Code("poolClosed")
        /// The task was cancelled while waiting for a pooled connection.
        public static let cancelled = Code("cancelled")

        /// The code's name.
        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// The server's five-character SQLSTATE (PG_DIAG_SQLSTATE), nil for failures detected on the client.
    public let sqlState: String?
    /// The primary message (PG_DIAG_MESSAGE_PRIMARY) or a fixed client-side message.
    public let message: String
    /// The source file that raised the error.
    public let file: String
    /// The source line that raised the error.
    public let line: Int

    /// Whether the failed statement certainly did not run, so sending it again on a fresh connection is safe.
    let statementNotExecuted: Bool

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(code: Code, sqlState: String? = nil, message: String, file: String = #fileID, line: Int = #line) {
        self.init(code: code, sqlState: sqlState, message: message, statementNotExecuted: false, file: file, line: line)
    }

    init(
        code: Code, sqlState: String? = nil, message: String, statementNotExecuted: Bool,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.statementNotExecuted = statementNotExecuted
        self.file = file
        self.line = line
    }

    /// A unique constraint was violated (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// A foreign key constraint was violated (SQLSTATE 23503).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    /// The transaction lost a serialization race or a deadlock (SQLSTATE 40001 or 40P01); running it again may succeed.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// Whether the server refused the statement for the data it carries (a data exception, class 22, or an
    /// integrity constraint, class 23): running it again on the same input fails again.
    public var isRefusalOfTheData: Bool { sqlState?.hasPrefix("22") == true || sqlState?.hasPrefix("23") == true }

    /// Whether the pool may send the statement once more on a fresh connection.
    var isRetryableOnFreshConnection: Bool {
        (code == .connectionFailed || code == .connectionLost) && statementNotExecuted
    }

    /// A `decodingFailed` error for text that is not a valid `type` value; the text itself is left out.
    static func decoding(_ type: Any.Type, file: String = #fileID, line: Int = #line) -> PostgresError {
        PostgresError(code: .decodingFailed, message: "not a valid \(type) value", file: file, line: line)
    }

    /// The code, SQLSTATE, primary message and source location.
    public var description: String {
        let state = sqlState.map { " [\($0)]" } ?? ""
        return "PostgresError.\(code)\(state): \(message) (\(file):\(line))"
    }
}
