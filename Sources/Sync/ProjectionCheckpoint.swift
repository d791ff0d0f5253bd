/// How far the projection got: every journal entry at or before this point, in (transaction id, position)
/// order, has been applied to the read DB.
public struct ProjectionCheckpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The appending transaction's id (`journal.transaction_id`, an xid8, as a number).
    public var transactionID: Int64
    /// The entry's `journal.position`.
    public var position: Int64

    /// A checkpoint at the given entry.
    public init(transactionID: Int64, position: Int64) {
        self.transactionID = transactionID
        self.position = position
    }

    /// Before the first entry: nothing projected.
    public static let start = ProjectionCheckpoint(transactionID: 0, position: 0)

    /// Projection order.
    public static func < (lhs: ProjectionCheckpoint, rhs: ProjectionCheckpoint) -> Bool {
        (lhs.transactionID, lhs.position) < (rhs.transactionID, rhs.position)
    }

    /// `xid/position`.
    public var description: String { "\(transactionID)/\(position)" }
}
