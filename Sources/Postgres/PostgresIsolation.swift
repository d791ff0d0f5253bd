/// The isolation level of a transaction started by `PostgresClient.withTransaction`.
public enum PostgresIsolation: Sendable {
    /// Each statement sees data committed before it began (PostgreSQL's default).
    case readCommitted
    /// Every statement sees the snapshot taken at the transaction's first statement.
    case repeatableRead
    /// As if transactions ran one after another; conflicts fail with SQLSTATE 40001.
    case serializable

    /// The statement that opens a transaction at this level.
    var beginStatement: PostgresQuery {
        switch self {
        case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
