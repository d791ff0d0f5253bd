/// One row of a `PostgresResult`: the text of each column, nil for SQL NULL.
public struct PostgresRow: Sendable {
    let columns: PostgresColumns
    let values: ArraySlice<String?>

    /// The number of columns.
    public var count: Int { values.count }

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The raw text of a column, nil for SQL NULL; the column must exist.
    public subscript(column: Int) -> String? {
        values[values.startIndex + column]
    }

    /// The raw text of the first column called `name`, nil for SQL NULL or when there is no such column.
    public subscript(name: String) -> String? {
        columns.position(of: name).flatMap { self[$0] }
    }

    /// Whether the column is SQL NULL (or does not exist).
    public func isNull(at column: Int) -> Bool {
        !values.indices.contains(values.startIndex + column) || self[column] == nil
    }

    /// Decodes a column; SQL NULL is an error unless `T` is an `Optional`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at column: Int) throws(PostgresError) -> T {
        guard let value = try decodeIfPresent(type, at: column) else {
            guard let null = PostgresNull.value(of: T.self) else {
                throw PostgresError(code: .decodingFailed, message: "column \(column) is NULL, expected \(T.self)")
            }
            return null
        }
        return value
    }

    /// Decodes a column; SQL NULL gives nil.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type, at column: Int) throws(PostgresError) -> T? {
        guard values.indices.contains(values.startIndex + column) else {
            throw PostgresError(code: .decodingFailed, message: "no column \(column) in a row of \(count) columns")
        }
        guard let text = self[column] else { return nil }
        do {
            return try T(postgresText: text)
        } catch {
            throw PostgresError(
                code: error.code, sqlState: error.sqlState, message: "column \(column): \(error.message)",
                file: error.file, line: error.line)
        }
    }

    /// Decodes the first column called `name`; SQL NULL is an error unless `T` is an `Optional`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, named name: String) throws(PostgresError) -> T {
        try decode(type, at: position(of: name))
    }

    /// Decodes the first column called `name`; SQL NULL gives nil.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type, named name: String) throws(PostgresError) -> T? {
        try decodeIfPresent(type, at: position(of: name))
    }

    private func position(of name: String) throws(PostgresError) -> Int {
        guard let position = columns.position(of: name) else {
            throw PostgresError(code: .decodingFailed, message: "no column named \(name)")
        }
        return position
    }
}
