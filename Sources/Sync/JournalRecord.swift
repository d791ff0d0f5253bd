import BookingDomain
import Foundation
import Postgres

/// One journal row as the projector reads it: where it sits in projection order and the entry it carries.
struct JournalRecord: Sendable {
    /// The entry's place in projection order.
    let checkpoint: ProjectionCheckpoint
    /// The entry's version within its stream (one stream per event id).
    let streamVersion: Int64
    /// When the worker's transaction appended it.
    let recordedAt: Date
    /// The fact itself.
    let entry: JournalEntry

    /// Decodes a row of `transaction_id::text, position, stream_version, entry_type, payload::text, recorded_at`;
    /// an entry this build cannot read is an error, never skipped.
    init(row: PostgresRow) throws(SyncError) {
        let position: Int64
        let transactionID: Int64
        let typeName: String
        let payload: String
        do {
            transactionID = try row.decode(Int64.self, at: 0)
            position = try row.decode(Int64.self, at: 1)
            streamVersion = try row.decode(Int64.self, at: 2)
            typeName = try row.decode(String.self, at: 3)
            payload = try row.decode(String.self, at: 4)
            recordedAt = try row.decode(Date.self, at: 5)
        } catch {
            throw SyncError(code: .malformedRow, underlying: "\(error)", message: "cannot read a journal row")
        }
        checkpoint = ProjectionCheckpoint(transactionID: transactionID, position: position)
        do {
            entry = try JournalEntry(typeName: typeName, payload: payload)
        } catch let error as JournalDecodingError {
            throw SyncError(
                code: .undecodableEntry, position: position, underlying: "\(error)", message: "unknown entry type")
        } catch {
            // A DecodingError's description can quote payload values, so only its kind is kept.
            throw SyncError(
                code: .undecodableEntry, position: position, underlying: "\(type(of: error))",
                message: "cannot decode the \(typeName) payload")
        }
    }
}
