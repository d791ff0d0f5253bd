/// SQL text with bound parameters.
///
/// String interpolation turns every interpolated value into a `$n` parameter, so values can never be spliced into the
/// SQL text: `let query: PostgresQuery = "SELECT name FROM events WHERE event_id = \(id) AND seats > \(count)"`.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    /// The SQL text, with `$1`, `$2`, … where the values go.
    public let sql: String
    /// The text-format values of the parameters, in order; nil is SQL NULL.
    public let bindings: [String?]

    /// A query from SQL text built at run time; the caller vouches that no value was spliced into `unsafeSQL`.
    public init(unsafeSQL: String, bindings: [String?] = []) {
        self.sql = unsafeSQL
        self.bindings = bindings
    }

    /// A query without parameters, from a string literal.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// A query from an interpolated string literal: literal parts are SQL, interpolated values are parameters.
    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    /// Collects the literal SQL and the parameters of an interpolated `PostgresQuery` literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: [String?]

        /// Reserves room for the literal text and the parameters.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings = []
            bindings.reserveCapacity(interpolationCount)
        }

        /// Appends SQL text written in the literal itself.
        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Appends SQL text fixed at compile time (a column list several queries share): a `StaticString` cannot
        /// carry a value from outside the program.
        public mutating func appendInterpolation(sql fragment: StaticString) {
            sql += fragment.description
        }

        /// Appends a value as the next `$n` parameter; it is sent apart from the SQL text.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(value.postgresText)
            sql += "$\(bindings.count)"
        }

        /// Appends an optional value as the next `$n` parameter; nil binds SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value.postgresText)
            sql += "$\(bindings.count)"
        }
    }
}
