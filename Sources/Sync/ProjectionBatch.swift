import BookingDomain
import Foundation

/// What one batch of journal entries does to the read DB, reduced to one row per seat, booking and stream.
///
/// Entries arrive in (transaction id, position) order, which two transactions appending to one stream may
/// have committed the other way round. Their stream versions hold the true order, so for every seat and
/// every booking only the change with the highest stream version is kept, and the SQL applies it only over
/// a row written by a lower one: the result is the same whatever order the entries were read in.
struct ProjectionBatch: Sendable {
    /// An event created in this batch.
    struct CreatedEvent: Sendable {
        let definition: EventDefinition
        let createdAt: Date
        let version: Int64
    }

    /// A seat's new state and the stream version that set it.
    struct SeatChange: Sendable, Equatable {
        let version: Int64
        let status: SeatStatus
        let bookingID: UUID?
        let userID: String?
        let heldUntil: Date?
    }

    private(set) var createdEvents: [CreatedEvent] = []
    private(set) var seatChanges: [SeatKey: SeatChange] = [:]
    private(set) var bookings: [UUID: (booking: Booking, version: Int64)] = [:]
    /// The highest stream version of every stream with an entry in the batch.
    private(set) var streamVersions: [String: Int64] = [:]

    init(_ records: some Sequence<JournalRecord>) {
        for record in records { add(record.entry, version: record.streamVersion) }
    }

    private mutating func add(_ entry: JournalEntry, version: Int64) {
        streamVersions[entry.streamID] = max(streamVersions[entry.streamID] ?? version, version)
        switch entry {
        case .eventCreated(let definition, let createdAt):
            createdEvents.append(CreatedEvent(definition: definition, createdAt: createdAt, version: version))
        case .seatHeld(let booking):
            change(
                booking, version: version,
                to: SeatChange(
                    version: version, status: .held, bookingID: booking.bookingID, userID: booking.userID,
                    heldUntil: booking.heldUntil))
        case .seatBooked(let booking):
            change(
                booking, version: version,
                to: SeatChange(
                    version: version, status: .booked, bookingID: booking.bookingID, userID: booking.userID,
                    heldUntil: nil))
        case .seatReleased(let booking):
            // The write model releases exactly the seats the booking still holds, which are all of them: a
            // seat changes hands only after its booking released it. Applied by version, a release can
            // therefore free every seat of the booking last written by an older entry, even if the entry
            // that gave them to the booking has not been projected yet.
            change(
                booking, version: version,
                to: SeatChange(
                    version: version, status: .available, bookingID: nil, userID: nil, heldUntil: nil))
        case .bookingRejected(let booking), .waitlistJoined(let booking):
            record(booking, version: version)
        }
    }

    private mutating func change(_ booking: Booking, version: Int64, to change: SeatChange) {
        for seatID in booking.seatIDs {
            let key = SeatKey(eventID: booking.eventID, seatID: seatID)
            if let existing = seatChanges[key], existing.version >= version { continue }
            seatChanges[key] = change
        }
        record(booking, version: version)
    }

    private mutating func record(_ booking: Booking, version: Int64) {
        if let existing = bookings[booking.bookingID], existing.version >= version { return }
        bookings[booking.bookingID] = (booking, version)
    }
}
