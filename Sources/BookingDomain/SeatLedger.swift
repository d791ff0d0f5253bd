public import Foundation

/// The seats, bookings and events one batch of commands touches. It decides each command in Kafka
/// order against the effects of the commands before it, and records what must be written: the
/// seat changes with the versions they were read at, the bookings, and the journal entries.
public struct SeatLedger: Sendable {
    /// What became of one command.
    public enum Decision: Sendable, Equatable {
        /// The command took effect; the booking it created or changed now has this status.
        case applied(BookingStatus)
        /// A booking was created in status REJECTED with this reason.
        case rejected(RejectionReason)
        /// The command was refused without any effect (confirm or cancel of a booking that isn't the caller's, ...).
        case refused(RejectionReason)
        /// The command repeated an effect that already holds (a second confirm), so nothing changed.
        case unchanged
    }

    /// A seat to write: its new state, valid only if the stored version still equals `expectedVersion`.
    public struct SeatWrite: Sendable, Equatable {
        /// The seat.
        public let key: SeatKey
        /// The version the ledger read; the write must be refused if the stored one differs.
        public let expectedVersion: Int64
        /// The new state; its version is `expectedVersion + 1`.
        public let seat: Seat
    }

    private var events: Set<String>
    private var seats: [SeatKey: Seat]
    private let versionsRead: [SeatKey: Int64]
    private var bookings: [UUID: Booking]
    private var changedSeats: Set<SeatKey> = []
    private var changedBookings: Set<UUID> = []

    /// The events this batch creates, in order.
    public private(set) var createdEvents: [EventDefinition] = []
    /// The journal entries this batch appends, in order.
    public private(set) var journal: [JournalEntry] = []

    /// Starts from what the batch's reads found: the known events, the seats and the bookings.
    public init(events: Set<String>, seats: [SeatKey: Seat], bookings: [UUID: Booking]) {
        self.events = events
        self.seats = seats
        self.versionsRead = seats.mapValues(\.version)
        self.bookings = bookings
    }

    /// Seat writes, one per changed seat in key order, each carrying the version it was read at.
    public var seatWrites: [SeatWrite] {
        changedSeats.sorted().map { key in
            let expected = versionsRead[key] ?? 0
            var seat = seats[key]!
            seat.version = expected + 1
            return SeatWrite(key: key, expectedVersion: expected, seat: seat)
        }
    }

    /// Every booking this batch created or changed, in its final state, in id order.
    public var bookingWrites: [Booking] {
        changedBookings.sorted().map { bookings[$0]! }
    }

    /// Decides one command at instant `now` and records its effect.
    public mutating func apply(_ command: BookingCommand, now: Date) -> Decision {
        switch command.action {
        case .book(let request):
            return take(request, as: .booked, command: command, now: now)
        case .hold(let request, let holdSeconds):
            return take(
                request, as: .held(until: now.addingTimeInterval(TimeInterval(holdSeconds))), command: command, now: now
            )
        case .confirm(let reference):
            return confirm(reference, deadline: command.deadline, now: now)
        case .cancel(let reference):
            return cancel(reference, now: now)
        case .createEvent(let definition):
            return create(definition, now: now)
        case .expireHolds:
            for booking in bookings.values where booking.status == .held && booking.heldUntil.map({ $0 <= now }) == true
            {
                release(booking.bookingID, as: .expired, reason: RejectionReason.holdExpired.rawValue, now: now)
            }
            return .unchanged
        }
    }

    private enum Taking {
        case booked
        case held(until: Date)
    }

    private mutating func take(
        _ request: SeatRequest, as taking: Taking, command: BookingCommand, now: Date
    ) -> Decision {
        var booking = Booking(
            bookingID: command.commandID, eventID: request.eventID, userID: request.userID, seatIDs: request.seatIDs,
            status: .rejected, createdAt: command.acceptedAt, updatedAt: now)
        let keys = request.seatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) }
        let refusal: RejectionReason? =
            if now > command.deadline {
                .expiredRequest
            } else if !events.contains(request.eventID) {
                .unknownEvent
            } else if keys.contains(where: { seats[$0] == nil }) {
                .unknownSeat
            } else if keys.contains(where: { seats[$0]!.status != .available }) {
                .seatTaken
            } else {
                nil
            }
        if let refusal {
            booking.reason = refusal.rawValue
            record(booking)
            journal.append(.bookingRejected(booking))
            return .rejected(refusal)
        }
        switch taking {
        case .booked:
            booking.status = .confirmed
        case .held(let until):
            booking.status = .held
            booking.heldUntil = until
        }
        for key in keys {
            change(key) { seat in
                seat.status = booking.status == .held ? .held : .booked
                seat.bookingID = booking.bookingID
                seat.userID = booking.userID
                seat.heldUntil = booking.heldUntil
            }
        }
        record(booking)
        journal.append(booking.status == .held ? .seatHeld(booking) : .seatBooked(booking))
        return .applied(booking.status)
    }

    private mutating func confirm(_ reference: BookingReference, deadline: Date, now: Date) -> Decision {
        guard var booking = bookings[reference.bookingID] else { return .refused(.unknownBooking) }
        guard booking.userID == reference.userID else { return .refused(.notOwner) }
        switch booking.status {
        case .confirmed:
            return .unchanged
        case .held:
            break
        case .pending, .rejected, .expired, .cancelled:
            return .refused(.notActive)
        }
        if now > deadline { return .refused(.expiredRequest) }
        if let heldUntil = booking.heldUntil, heldUntil <= now {
            release(booking.bookingID, as: .expired, reason: RejectionReason.holdExpired.rawValue, now: now)
            return .rejected(.holdExpired)
        }
        for key in booking.seatKeys {
            change(key) { seat in
                seat.status = .booked
                seat.heldUntil = nil
            }
        }
        booking.status = .confirmed
        booking.heldUntil = nil
        booking.updatedAt = now
        record(booking)
        journal.append(.seatBooked(booking))
        return .applied(.confirmed)
    }

    private mutating func cancel(_ reference: BookingReference, now: Date) -> Decision {
        guard let booking = bookings[reference.bookingID] else { return .refused(.unknownBooking) }
        guard booking.userID == reference.userID else { return .refused(.notOwner) }
        switch booking.status {
        case .held, .confirmed:
            release(booking.bookingID, as: .cancelled, reason: nil, now: now)
            return .applied(.cancelled)
        case .cancelled:
            return .unchanged
        case .pending, .rejected, .expired:
            return .refused(.notActive)
        }
    }

    private mutating func create(_ definition: EventDefinition, now: Date) -> Decision {
        guard !events.contains(definition.eventID) else { return .refused(.eventExists) }
        events.insert(definition.eventID)
        for seatID in definition.seatIDs {
            seats[SeatKey(eventID: definition.eventID, seatID: seatID)] = .available(version: 0)
        }
        createdEvents.append(definition)
        journal.append(.eventCreated(definition, createdAt: now))
        return .applied(.confirmed)
    }

    /// Frees the booking's seats (only those it still holds) and ends it with `status`.
    private mutating func release(_ bookingID: UUID, as status: BookingStatus, reason: String?, now: Date) {
        guard var booking = bookings[bookingID] else { return }
        for key in booking.seatKeys where seats[key]?.bookingID == bookingID {
            change(key) { seat in seat = .available(version: seat.version) }
        }
        booking.status = status
        booking.reason = reason
        booking.heldUntil = nil
        booking.updatedAt = now
        record(booking)
        journal.append(.seatReleased(booking))
    }

    private mutating func change(_ key: SeatKey, _ body: (inout Seat) -> Void) {
        changedSeats.insert(key)
        body(&seats[key]!)
    }

    private mutating func record(_ booking: Booking) {
        bookings[booking.bookingID] = booking
        changedBookings.insert(booking.bookingID)
    }
}

extension Booking {
    /// The keys of the booking's seats.
    public var seatKeys: [SeatKey] {
        seatIDs.map { SeatKey(eventID: eventID, seatID: $0) }
    }
}
