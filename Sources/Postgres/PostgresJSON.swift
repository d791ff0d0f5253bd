import Foundation

/// JSON text bound to or read from a `json`/`jsonb` column.
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, Hashable {
    /// The JSON document as text.
    public let text: String

    /// Wraps JSON text as it is; the server validates it when it is cast to `jsonb`.
    public init(text: String) {
        self.text = text
    }

    /// The column's JSON text.
    public init(postgresText: String) {
        self.text = postgresText
    }

    /// Encodes `value` with `JSONEncoder`.
    public init(encoding value: some Encodable) throws(PostgresError) {
        do {
            text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } catch {
            throw PostgresError(code: .encodingFailed, message: "\(type(of: value)) could not be encoded as JSON")
        }
    }

    /// Decodes the JSON text as `type` with `JSONDecoder`.
    public func decode<T: Decodable>(as type: T.Type) throws(PostgresError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw PostgresError(code: .decodingFailed, message: "JSON could not be decoded as \(type)")
        }
    }

    /// The JSON text.
    public var postgresText: String? { text }
}
