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
        let reference = BookingReference(bookingID: command.commandID, userID: "u")
        let definition = EventDefinition(eventID: "e", name: "n \"q\"", date: "2027-01-01", venue: "", seatIDs: ["1"])
        for action in [
            BookingCommand.Action.book(SeatRequest(userID: "ü", eventID: "e", seatIDs: ["A1"])), .confirm(reference),
            .cancel(reference), .createEvent(definition), .expireHolds,
        ] {
            let other = BookingCommand(commandID: UUID(), acceptedAt: now, deadline: now, action: action)
            #expect(try BookingCommand(encoded: other.encoded()) == other)
        }
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

    /// Commands already on the topic must stay readable, so the wire form is pinned byte for byte.
    @Test func wireFormIsStable() throws {
        let command = BookingCommand(
            commandID: UUID(uuidString: "2C5A6C0E-8E0B-4F4A-9E53-3D1A5A0B7C11")!,
            acceptedAt: Date(timeIntervalSince1970: 1_800_000_000.5),
            deadline: Date(timeIntervalSince1970: 1_800_000_120),
            action: .hold(SeatRequest(userID: "u", eventID: "e", seatIDs: ["A1", "A2"]), holdSeconds: 600))
        let expected =
            #"{"commandID":"2C5A6C0E-8E0B-4F4A-9E53-3D1A5A0B7C11","acceptedAt":1800000000500.0,"#
            + #""deadline":1800000120000.0,"action":{"hold":{"_0":{"userID":"u","eventID":"e","seatIDs":["A1","A2"]},"#
            + #""holdSeconds":600}}}"#
        #expect(String(decoding: command.encoded(), as: UTF8.self) == expected)
    }

    @Test(arguments: [
        ("not json", "not JSON"), ("[]", "command must be an object"),
        (#"{"commandID":"x"}"#, "command.commandID must be a UUID"),
        (
            #"{"commandID":"2C5A6C0E-8E0B-4F4A-9E53-3D1A5A0B7C11","acceptedAt":1,"deadline":2,"action":{"fly":{}}}"#,
            "unknown action fly"
        ),
        (
            #"{"commandID":"2C5A6C0E-8E0B-4F4A-9E53-3D1A5A0B7C11","acceptedAt":1,"deadline":"soon","action":{}}"#,
            "command.deadline must be epoch milliseconds"
        ),
    ])
    func undecodableMessagesSayWhatIsWrong(_ text: String, _ reason: String) {
        #expect {
            try BookingCommand(encoded: Array(text.utf8))
        } throws: { error in
            (error as? WireFormatError)?.description.hasPrefix(reason) == true
        }
    }

    @Test func randomIDsAreVersionFourAndDistinct() {
        let ids = (0..<1_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { Array($0.uuidString)[14] == "4" && "89AB".contains(Array($0.uuidString)[19]) })
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
