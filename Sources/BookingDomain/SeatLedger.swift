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
        /// A best-available request needs more of its event's free seats than the ledger was given: the
        /// caller reads more (`eventsShortOfFreeSeats`) and decides the whole batch again.
        case undecided
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

    private var events: [String: EventTerms]
    private var seats: [SeatKey: Seat]
    private var freeSeatCoverage: [String: FreeSeatCoverage]
    private var freeSeatIndexes: [String: FreeSeatIndex] = [:]
    /// Per event, its waiting requests in the order they joined.
    private var waitlists: [String: [UUID]]
    private var waitlistTails: [String: Int64]
    private let versionsRead: [SeatKey: Int64]
    private var bookings: [UUID: Booking]
    private var changedSeats: Set<SeatKey> = []
    private var changedBookings: Set<UUID> = []

    /// The events this batch creates, in order.
    public private(set) var createdEvents: [EventDefinition] = []
    /// The journal entries this batch appends, in order.
    public private(set) var journal: [JournalEntry] = []
    /// Events whose best-available requests could not be decided on the free seats read (`Decision.undecided`).
    public private(set) var eventsShortOfFreeSeats: Set<String> = []
    /// The last waiting-list position handed out, per event whose list this batch joined.
    public private(set) var waitlistTailWrites: [String: Int64] = [:]

    /// Starts from what the batch's reads found: the known events, the seats and the bookings, which hold every
    /// waiting request of the events. For every event with a best-available request or a waiting list
    /// `freeSeatCoverage` says which of its rows hold all their free seats among `seats`; an event missing from it
    /// has its free seats read first.
    public init(
        events: [String: EventTerms], seats: [SeatKey: Seat], bookings: [UUID: Booking],
        freeSeatCoverage: [String: FreeSeatCoverage] = [:]
    ) {
        self.events = events
        self.seats = seats
        self.freeSeatCoverage = freeSeatCoverage
        waitlists = Dictionary(grouping: bookings.values.filter { $0.status == .waiting }, by: \.eventID).mapValues {
            $0.sorted { ($0.waitlistPosition ?? 0) < ($1.waitlistPosition ?? 0) }.map(\.bookingID)
        }
        waitlistTails = events.mapValues(\.waitlistTail)
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
        case .wait(let request, let holdSeconds):
            return take(request, as: .waiting(offerSeconds: holdSeconds), command: command, now: now)
        case .extend(let reference, let holdSeconds, let maxHoldSeconds):
            return extend(
                reference, by: TimeInterval(holdSeconds), limit: TimeInterval(maxHoldSeconds),
                deadline: command.deadline, now: now)
        case .confirm(let reference):
            return confirm(reference, deadline: command.deadline, now: now)
        case .cancel(let reference):
            return cancel(reference, now: now)
        case .createEvent(let definition):
            return create(definition, now: now)
        case .expireHolds:
            for booking in bookings.values.sorted(by: { $0.bookingID < $1.bookingID }) {
                if booking.status == .held, let heldUntil = booking.heldUntil, heldUntil <= now {
                    release(booking.bookingID, as: .expired, reason: RejectionReason.holdExpired.rawValue, now: now)
                } else if booking.status == .waiting, events[booking.eventID]?.salesEnd.map({ $0 <= now }) == true {
                    release(booking.bookingID, as: .expired, reason: RejectionReason.salesClosed.rawValue, now: now)
                }
            }
            return .unchanged
        }
    }

    private enum Taking {
        case booked
        case held(until: Date)
        /// Onto the waiting list, if the seats cannot be had now.
        case waiting(offerSeconds: Int)
    }

    private mutating func take(
        _ request: SeatRequest, as taking: Taking, command: BookingCommand, now: Date
    ) -> Decision {
        let terms = events[request.eventID]
        var booking = Booking(
            bookingID: command.commandID, eventID: request.eventID, userID: request.userID,
            seatIDs: request.namedSeatIDs, quantity: request.quantity, category: request.category,
            currency: terms?.currency.code, status: .rejected, createdAt: command.acceptedAt, updatedAt: now)
        var keys = request.namedSeatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) }
        var refusal: RejectionReason? =
            if now > command.deadline {
                .expiredRequest
            } else if let terms {
                // The acceptance time, not the worker's clock: a batch decided again after a crash decides alike.
                terms.isOnSale(at: command.acceptedAt) ? nil : .salesClosed
            } else {
                .unknownEvent
            }
        if refusal == nil, let terms {
            // Free seats of a category someone waits for are theirs: the open sale passes over them.
            let reserved = reservation(of: request.eventID)
            switch (request.selection, taking) {
            case (.seats, .waiting):
                refusal = .unknownSeat
            case (.seats, _):
                if keys.contains(where: { seats[$0] == nil }) {
                    refusal = .unknownSeat
                } else if keys.contains(where: { seats[$0]!.status != .available }) {
                    refusal = .seatTaken
                } else if keys.contains(where: { reserved.covers(seats[$0]!.place.category) }) {
                    refusal = .reservedForWaitlist
                }
            case (.bestAvailable(let best), _):
                if let category = best.category, terms.prices[category] == nil {
                    refusal = .unknownCategory
                } else if case .waiting = taking, isWaiting(request.userID, for: best.category, in: request.eventID) {
                    refusal = .alreadyWaiting
                } else {
                    let choice =
                        reserved.everything
                        ? .soldOut : choose(best, in: request.eventID, excluding: reserved.categories)
                    switch (choice, taking) {
                    case (.needsMoreSeats, _):
                        eventsShortOfFreeSeats.insert(request.eventID)
                        return .undecided
                    case (.seats, .waiting):
                        refusal = .seatsAvailable
                    case (_, .waiting):
                        break
                    case (.seats(let seatIDs), _):
                        keys = seatIDs.map { SeatKey(eventID: request.eventID, seatID: $0) }
                        booking.seatIDs = seatIDs
                    case (.soldOut, _), (.notEnoughAdjacent, _):
                        refusal =
                            !reserved.isEmpty && choose(best, in: request.eventID, excluding: []).isSeats
                            ? .reservedForWaitlist : choice == .soldOut ? .soldOut : .notEnoughAdjacentSeats
                    }
                }
            }
        }
        if let refusal {
            booking.reason = refusal.rawValue
            record(booking)
            journal.append(.bookingRejected(booking))
            return .rejected(refusal)
        }
        booking.totalPriceMinor = terms.map { price(of: keys, in: $0) } ?? 0
        switch taking {
        case .booked:
            booking.status = .confirmed
        case .held(let until):
            booking.status = .held
            booking.heldUntil = until
            booking.heldSince = now
        case .waiting(let offerSeconds):
            booking.status = .waiting
            booking.offerSeconds = offerSeconds
            let position = (waitlistTails[request.eventID] ?? 0) + 1
            waitlistTails[request.eventID] = position
            waitlistTailWrites[request.eventID] = position
            booking.waitlistPosition = position
            waitlists[request.eventID, default: []].append(booking.bookingID)
            record(booking)
            journal.append(.waitlistJoined(booking))
            return .applied(.waiting)
        }
        give(keys, to: booking)
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
        case .pending, .rejected, .expired, .cancelled, .waiting:
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
        case .held, .confirmed, .waiting:
            release(booking.bookingID, as: .cancelled, reason: nil, now: now)
            return .applied(.cancelled)
        case .cancelled:
            return .unchanged
        case .pending, .rejected, .expired:
            return .refused(.notActive)
        }
    }

    /// The seats a best-available request gets, on the index of its event's known seats (built at first use).
    private mutating func choose(
        _ best: BestAvailable, in eventID: String, excluding excluded: Set<String>
    ) -> FreeSeatIndex.Choice {
        if freeSeatIndexes[eventID] == nil {
            guard let coverage = freeSeatCoverage[eventID] else { return .needsMoreSeats }
            let known = seats.lazy.filter { $0.key.eventID == eventID }.map { key, seat in
                (seatID: key.seatID, place: seat.place, isFree: seat.status == .available)
            }
            freeSeatIndexes[eventID] = FreeSeatIndex(seats: Array(known), coverage: coverage)
        }
        return freeSeatIndexes[eventID]!.choose(
            quantity: best.quantity, category: best.category, adjacent: best.adjacent, excluding: excluded)
    }

    private mutating func create(_ definition: EventDefinition, now: Date) -> Decision {
        guard events[definition.eventID] == nil else { return .refused(.eventExists) }
        events[definition.eventID] = EventTerms(definition)
        for (seat, place) in zip(definition.seats, SeatPlace.places(of: definition.seats)) {
            seats[SeatKey(eventID: definition.eventID, seatID: seat.seatID)] = .available(version: 0, place: place)
        }
        freeSeatCoverage[definition.eventID] = .allRows
        createdEvents.append(definition)
        journal.append(.eventCreated(definition, createdAt: now))
        return .applied(.confirmed)
    }

    /// Frees the booking's seats (only those it still holds), or takes it off the waiting list, and ends it with
    /// `status`; freed seats are offered to the waiting list at once.
    private mutating func release(_ bookingID: UUID, as status: BookingStatus, reason: String?, now: Date) {
        guard var booking = bookings[bookingID] else { return }
        var freed = false
        for key in booking.seatKeys where seats[key]?.bookingID == bookingID {
            change(key) { seat in seat.free() }
            freed = true
        }
        if booking.status == .waiting { waitlists[booking.eventID]?.removeAll { $0 == bookingID } }
        booking.status = status
        booking.reason = reason
        booking.heldUntil = nil
        booking.updatedAt = now
        record(booking)
        journal.append(.seatReleased(booking))
        if freed { offerFreedSeats(of: booking.eventID, now: now) }
    }

    /// Offers free seats to the event's waiting requests in the order they joined, each as a hold for its offer
    /// length chosen by the best-available rule. A request that cannot be met keeps its place, and nobody behind it
    /// for the same category (or anybody, behind a request for any category) is served first.
    private mutating func offerFreedSeats(of eventID: String, now: Date) {
        guard let waiting = waitlists[eventID], !waiting.isEmpty, let terms = events[eventID], terms.isOnSale(at: now)
        else { return }
        var blocked = Set<String>()
        for bookingID in waiting {
            guard var entry = bookings[bookingID] else { continue }
            if let category = entry.category {
                if blocked.contains(category) { continue }
            } else if !blocked.isEmpty {
                continue
            }
            switch choose(BestAvailable(quantity: entry.quantity, category: entry.category), in: eventID, excluding: [])
            {
            case .seats(let seatIDs):
                let keys = seatIDs.map { SeatKey(eventID: eventID, seatID: $0) }
                entry.seatIDs = seatIDs
                entry.totalPriceMinor = price(of: keys, in: terms)
                entry.status = .held
                entry.heldUntil = now.addingTimeInterval(TimeInterval(entry.offerSeconds ?? 0))
                entry.heldSince = now
                entry.updatedAt = now
                give(keys, to: entry)
                waitlists[eventID]?.removeAll { $0 == bookingID }
                record(entry)
                journal.append(.seatHeld(entry))
            case .needsMoreSeats:
                eventsShortOfFreeSeats.insert(eventID)
                return
            case .soldOut, .notEnoughAdjacent:
                guard let category = entry.category else { return }
                blocked.insert(category)
            }
        }
    }

    /// Makes the seats `booking`'s: held until its `heldUntil` while it is held, else booked.
    private mutating func give(_ keys: [SeatKey], to booking: Booking) {
        for key in keys {
            change(key) { seat in
                seat.status = booking.status == .held ? .held : .booked
                seat.bookingID = booking.bookingID
                seat.userID = booking.userID
                seat.heldUntil = booking.heldUntil
            }
        }
    }

    /// The sum of the seats' category prices.
    private func price(of keys: [SeatKey], in terms: EventTerms) -> Int64 {
        keys.reduce(0) { total, key in total + (terms.prices[seats[key]!.place.category] ?? 0) }
    }

    /// The categories whose free seats are kept for the event's waiting list.
    private func reservation(of eventID: String) -> Reservation {
        var reservation = Reservation()
        for bookingID in waitlists[eventID] ?? [] {
            if let category = bookings[bookingID]?.category {
                reservation.categories.insert(category)
            } else {
                reservation.everything = true
            }
        }
        return reservation
    }

    private func isWaiting(_ userID: String, for category: String?, in eventID: String) -> Bool {
        (waitlists[eventID] ?? []).contains { bookings[$0]?.userID == userID && bookings[$0]?.category == category }
    }

    private mutating func extend(
        _ reference: BookingReference, by holdLength: TimeInterval, limit: TimeInterval, deadline: Date, now: Date
    ) -> Decision {
        guard var booking = bookings[reference.bookingID] else { return .refused(.unknownBooking) }
        guard booking.userID == reference.userID else { return .refused(.notOwner) }
        guard booking.status == .held, let heldUntil = booking.heldUntil else { return .refused(.notActive) }
        if now > deadline { return .refused(.expiredRequest) }
        if heldUntil <= now {
            release(booking.bookingID, as: .expired, reason: RejectionReason.holdExpired.rawValue, now: now)
            return .rejected(.holdExpired)
        }
        let latest = (booking.heldSince ?? booking.createdAt).addingTimeInterval(limit)
        let until = min(heldUntil.addingTimeInterval(holdLength), latest)
        booking.updatedAt = now
        guard until > heldUntil else {
            booking.reason = RejectionReason.holdExtensionLimit.rawValue
            record(booking)
            journal.append(.seatHeld(booking))
            return .refused(.holdExtensionLimit)
        }
        for key in booking.seatKeys { change(key) { seat in seat.heldUntil = until } }
        booking.heldUntil = until
        booking.reason = nil
        record(booking)
        journal.append(.seatHeld(booking))
        return .applied(.held)
    }

    private mutating func change(_ key: SeatKey, _ body: (inout Seat) -> Void) {
        changedSeats.insert(key)
        body(&seats[key]!)
        freeSeatIndexes[key.eventID]?.setFree(key.seatID, seats[key]!.status == .available)
    }

    private mutating func record(_ booking: Booking) {
        bookings[booking.bookingID] = booking
        changedBookings.insert(booking.bookingID)
    }
}

/// What the ledger needs to know of an event to decide its commands.
public struct EventTerms: Sendable, Equatable {
    /// The currency of its prices.
    public let currency: Currency
    /// Sales open at this instant; nil when open from creation.
    public let salesStart: Date?
    /// Sales close at this instant; nil when they never close.
    public let salesEnd: Date?
    /// The price of a seat per category, in minor units.
    public let prices: [String: Int64]
    /// The last position handed out on the event's waiting list.
    public let waitlistTail: Int64

    /// Creates terms.
    public init(
        currency: Currency, salesStart: Date?, salesEnd: Date?, prices: [String: Int64], waitlistTail: Int64 = 0
    ) {
        self.currency = currency
        self.salesStart = salesStart
        self.salesEnd = salesEnd
        self.prices = prices
        self.waitlistTail = waitlistTail
    }

    /// The terms a definition sets.
    public init(_ definition: EventDefinition) {
        self.init(
            currency: definition.currency, salesStart: definition.salesStart, salesEnd: definition.salesEnd,
            prices: Dictionary(definition.categories.map { ($0.name, $0.priceMinor) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Whether a command accepted at `instant` may book or hold.
    public func isOnSale(at instant: Date) -> Bool {
        salesStart.map { instant >= $0 } ?? true && salesEnd.map { instant < $0 } ?? true
    }
}

/// The categories whose free seats the open sale passes over, kept for people waiting for them.
private struct Reservation {
    var categories = Set<String>()
    /// Someone waits for seats of any category.
    var everything = false

    var isEmpty: Bool { categories.isEmpty && !everything }

    func covers(_ category: String) -> Bool { everything || categories.contains(category) }
}

extension FreeSeatIndex.Choice {
    fileprivate var isSeats: Bool {
        if case .seats = self { true } else { false }
    }
}

extension SeatRequest {
    /// How many seats the request asks for.
    var quantity: Int {
        switch selection {
        case .seats(let seatIDs): seatIDs.count
        case .bestAvailable(let best): best.quantity
        }
    }

    /// The category a best-available request is limited to.
    var category: String? {
        if case .bestAvailable(let best) = selection { best.category } else { nil }
    }
}

extension Booking {
    /// The keys of the booking's seats.
    public var seatKeys: [SeatKey] {
        seatIDs.map { SeatKey(eventID: eventID, seatID: $0) }
    }
}
