public import Foundation

/// A value that can be bound as a query parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format; nil binds SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    /// The string itself.
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    /// The substring's characters.
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    /// The decimal digits.
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    /// The decimal digits.
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    /// The decimal digits.
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    /// `t` or `f`.
    public var postgresText: String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    /// The shortest decimal that reads back as the same value; `Infinity`, `-Infinity` or `NaN` otherwise.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)
    }
}

extension UUID: PostgresEncodable {
    /// The lowercase hyphenated form. Spelled out by hand: Foundation's `uuidString` formats each byte with
    /// `sprintf`, and a batch binds thousands of ids.
    public var postgresText: String? {
        let hex = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = hex[Int(byte >> 4)]
                    text[position + 1] = hex[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, e.g. `2026-11-22T00:22:56.123456Z` (timestamptz precision).
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped value's text, or nil (SQL NULL) for `.none`.
    public var postgresText: String? { self.flatMap(\.postgresText) }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal with every element quoted and escaped, e.g. `{"a","b\"c",NULL}`.
    public var postgresText: String? { PostgresArrayLiteral.format(map(\.postgresText)) }
}
