import Foundation
import Testing

@testable import BookingDomain

@Suite struct WireFormatTests {
    @Test func idempotencyKeysNameOneBookingPerUser() {
        let first = IdempotencyKey.bookingID(userID: "ann", key: "k-1")
        #expect(first == IdempotencyKey.bookingID(userID: "ann", key: "k-1"))
        #expect(first != IdempotencyKey.bookingID(userID: "bob", key: "k-1"))
        #expect(first != IdempotencyKey.bookingID(userID: "ann", key: "k-2"))
        #expect(IdempotencyKey.bookingID(userID: "ab", key: "c") != IdempotencyKey.bookingID(userID: "a", key: "bc"))
        #expect(first.uuidString.dropFirst(14).first == "5")
    }

    @Test func commandsAndJournalEntriesRoundTrip() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.123)
        let command = BookingCommand(
            commandID: UUID(), acceptedAt: now, deadline: now.addingTimeInterval(30),
            action: .hold(SeatRequest(userID: "u", eventID: "e", seatIDs: ["A1", "A2"]), holdSeconds: 600))
        #expect(try BookingCommand(encoded: command.encoded()) == command)
        let booking = Booking(
            bookingID: command.commandID, eventID: "e", userID: "u", seatIDs: ["A1"], status: .held, heldUntil: now,
            createdAt: now, updatedAt: now)
        for entry in [
            JournalEntry.seatHeld(booking), .seatBooked(booking), .seatReleased(booking), .bookingRejected(booking),
            .eventCreated(
                EventDefinition(eventID: "e", name: "n", date: "2027-01-01", venue: "v", seatIDs: ["1"]), createdAt: now
            ),
        ] {
            #expect(try JournalEntry(typeName: entry.typeName, payload: entry.encodedPayload()) == entry)
        }
    }

    @Test func partitionKeyKeepsAnEventsCommandsTogether() {
        let request = SeatRequest(userID: "u", eventID: "e", seatIDs: ["A1"])
        let now = Date()
        let book = BookingCommand(commandID: UUID(), acceptedAt: now, deadline: now, action: .book(request))
        let hold = BookingCommand(
            commandID: UUID(), acceptedAt: now, deadline: now, action: .hold(request, holdSeconds: 5))
        #expect(book.partitionKey == hold.partitionKey)
    }
}
