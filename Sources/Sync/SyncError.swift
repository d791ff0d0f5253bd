/// The one error type of the Sync module: a journal entry the projector cannot apply.
///
/// `description` names the entry by its journal position, never by its payload.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; extensible, compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as printed in `description`.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A journal entry whose type or payload this build cannot read; projection stops before it.
        public static let undecodableEntry = Code("undecodableEntry")
        /// A journal row whose columns are not what the projector expects.
        public static let malformedRow = Code("malformedRow")

        /// The code's name.
        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// The journal position of the entry, when one is concerned.
    public let position: Int64?
    /// The underlying error's description (a decoding or database error), never a payload.
    public let underlying: String?
    /// What went wrong.
    public let message: String
    /// The source file that raised the error.
    public let file: String
    /// The source line that raised the error.
    public let line: Int

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(
        code: Code, position: Int64? = nil, underlying: String? = nil, message: String,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.position = position
        self.underlying = underlying
        self.message = message
        self.file = file
        self.line = line
    }

    /// The code, the position, the message and the source location.
    public var description: String {
        let at = position.map { " at journal position \($0)" } ?? ""
        let cause = underlying.map { " (\($0))" } ?? ""
        return "SyncError.\(code)\(at): \(message)\(cause) (\(file):\(line))"
    }
}
