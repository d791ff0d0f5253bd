/// The outcome of one statement: its rows (if any) and how many rows it affected.
public struct PostgresResult: Sendable, Sequence {
    /// The rows, in the order the server sent them.
    public let rows: [PostgresRow]
    /// The row count of the command tag (PQcmdTuples): rows inserted, updated, deleted, selected…; 0 when none.
    public let rowsAffected: Int
    /// The column names, in order; empty for statements that return no rows.
    public var columnNames: [String] { columns.names }

    let columns: PostgresColumns
    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK` (a `COMMIT` of a failed transaction answers `ROLLBACK`).
    let commandTag: String

    init(columns: PostgresColumns, values: [String?], rowsAffected: Int, commandTag: String) {
        self.columns = columns
        self.rowsAffected = rowsAffected
        self.commandTag = commandTag
        let width = columns.names.count
        if width == 0 {
            rows = []
        } else {
            rows = stride(from: 0, to: values.count, by: width).map {
                PostgresRow(columns: columns, values: values[$0..<$0 + width])
            }
        }
    }

    /// Iterates over the rows.
    public func makeIterator() -> IndexingIterator<[PostgresRow]> {
        rows.makeIterator()
    }
}
