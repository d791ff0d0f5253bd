public import Foundation

/// A value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable {
    /// Parses the column's text; throws `PostgresError.Code.decodingFailed` when it is not a valid value.
    init(postgresText: String) throws(PostgresError)
}

extension String: PostgresDecodable {
    /// The column's text itself.
    public init(postgresText: String) {
        self = postgresText
    }
}

extension Int: PostgresDecodable {
    /// Decimal digits, as returned for `smallint`, `integer` and `bigint`.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int(postgresText) else { throw .decoding(Int.self) }
        self = value
    }
}

extension Int32: PostgresDecodable {
    /// Decimal digits, as returned for `smallint` and `integer`.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int32(postgresText) else { throw .decoding(Int32.self) }
        self = value
    }
}

extension Int64: PostgresDecodable {
    /// Decimal digits, as returned for `smallint`, `integer` and `bigint`.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = Int64(postgresText) else { throw .decoding(Int64.self) }
        self = value
    }
}

extension Bool: PostgresDecodable {
    /// `t` or `f`, as returned for `boolean`.
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "t": self = true
        case "f": self = false
        default: throw .decoding(Bool.self)
        }
    }
}

extension Double: PostgresDecodable {
    /// A decimal number, `Infinity`, `-Infinity` or `NaN`, as returned for `real`, `double precision` and `numeric`.
    public init(postgresText: String) throws(PostgresError) {
        switch postgresText {
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        case "NaN": self = .nan
        default:
            guard let value = Double(postgresText) else { throw .decoding(Double.self) }
            self = value
        }
    }
}

extension UUID: PostgresDecodable {
    /// The hyphenated form, as returned for `uuid`.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = UUID(uuidString: postgresText) else { throw .decoding(UUID.self) }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// A `timestamptz` or `timestamp` in ISO style, e.g. `2026-11-22 00:22:56.123456+00`; a missing offset means UTC.
    public init(postgresText: String) throws(PostgresError) {
        guard let value = PostgresTimestamp.parse(postgresText) else { throw .decoding(Date.self) }
        self = value
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// The wrapped value; SQL NULL never reaches this initializer (`PostgresRow` and arrays map it to nil).
    public init(postgresText: String) throws(PostgresError) {
        self = .some(try Wrapped(postgresText: postgresText))
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array literal such as `{a,"b c",NULL}`; NULL elements need an optional element type.
    public init(postgresText: String) throws(PostgresError) {
        guard let texts = PostgresArrayLiteral.parse(postgresText) else { throw .decoding([Element].self) }
        var elements: [Element] = []
        elements.reserveCapacity(texts.count)
        for text in texts {
            if let text {
                elements.append(try Element(postgresText: text))
            } else if let null = PostgresNull.value(of: Element.self) {
                elements.append(null)
            } else {
                throw PostgresError(code: .decodingFailed, message: "NULL element in an array of \(Element.self)")
            }
        }
        self = elements
    }
}
