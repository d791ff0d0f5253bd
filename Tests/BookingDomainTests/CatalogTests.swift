import Foundation
import Testing

@testable import BookingDomain

/// Events with categories, prices and placed seats, and quantity requests, from request body to wire and journal.
@Suite struct CatalogTests {
    let validator = RequestValidator()

    func event(_ json: String) throws(ValidationError) -> EventDefinition {
        try validator.eventDefinition(from: Array(json.utf8), generatedID: { "generated" })
    }

    @Test func pricesAreMinorUnitsWithTheCurrencysDigits() {
        #expect(Currency.euro.parse("12.5") == 1250)
        #expect(Currency.euro.parse("12.50") == 1250)
        #expect(Currency.euro.parse("0") == 0)
        #expect(Currency.euro.format(1250) == "12.50")
        #expect(Currency.euro.format(5) == "0.05")
        let yen = Currency(code: "JPY")!
        #expect(yen.parse("1500") == 1500)
        #expect(yen.parse("1500.0") == nil)
        #expect(yen.format(1500) == "1500")
        let dinar = Currency(code: "KWD")!
        #expect(dinar.parse("1.234") == 1234)
        #expect(dinar.format(1234) == "1.234")
        for malformed in ["-1.00", "1.234", "1,50", "", ".5", "5.", "1e3", " 1", "0x10", "1234567890123"] {
            #expect(Currency.euro.parse(malformed) == nil, "\(malformed)")
        }
        #expect(Currency(code: "EURO") == nil)
        #expect(Currency(code: "eur") == nil)
    }

    @Test func anEventWithCategoriesAndPlacedSeats() throws {
        let definition = try event(
            #"""
            {"event_id":"gala","name":"Gala","date":"2027-05-01T19:30:00Z","venue":"Opera","description":"Tosca",
             "thumbnail":"https://example.com/tosca.png","currency":"CHF","sales_start":"2027-01-01T10:00:00Z",
             "sales_end":"2027-05-01T18:00:00Z",
             "categories":[{"category":"parterre","price":"120.00"},{"category":"balcony","price":"45.5"}],
             "seats":[{"seat_id":"P1-1","section":"P","row":"1","number":1,"category":"parterre"},
                      {"seat_id":"P1-2","section":"P","row":"1","number":2,"category":"parterre"},
                      {"seat_id":"B1-7","section":"B","row":"1","number":7,"category":"balcony"}]}
            """#)
        #expect(definition.currency.code == "CHF")
        #expect(
            definition.categories == [
                .init(name: "parterre", priceMinor: 12_000), .init(name: "balcony", priceMinor: 4550),
            ])
        #expect(definition.seats.map(\.category) == ["parterre", "parterre", "balcony"])
        #expect(SeatPlace.places(of: definition.seats).map(\.rowIndex) == [0, 0, 1])
        #expect(definition.salesStart == (try Date("2027-01-01T10:00:00Z", strategy: .iso8601)))
        #expect(definition.thumbnail == "https://example.com/tosca.png")

        let seeded = try event(
            #"{"name":"Show","date":"2027-01-01","total_seats":3,"categories":[{"category":"all","price":"9.99"}]}"#)
        #expect(seeded.seats.map(\.category) == ["all", "all", "all"])
        #expect(seeded.seats.map(\.number) == [1, 2, 3])
        let bare = try event(#"{"name":"Show","date":"2027-01-01","seats":["a","b"]}"#)
        #expect(bare.categories == [.standard])
        #expect(bare.currency == .euro)
    }

    @Test(arguments: [
        (
            #""categories":[{"category":"a","price":"1.00"}],"seats":[{"seat_id":"1","row":"1","number":1,"category":"b"}]"#,
            "unknown_category"
        ),
        (#""seats":[{"seat_id":"1","row":"1","number":1},{"seat_id":"1","row":"1","number":2}]"#, "duplicate_seat"),
        (#""seats":[{"seat_id":"1","row":"1","number":1},{"seat_id":"2","row":"1","number":1}]"#, "duplicate_seat"),
        (#""categories":[{"category":"a","price":"-1.00"}],"total_seats":2"#, "invalid_price"),
        (#""categories":[{"category":"a","price":"abc"}],"total_seats":2"#, "invalid_price"),
        (#""categories":[{"category":"a","price":"1.005"}],"total_seats":2"#, "invalid_price"),
        (#""currency":"JPY","categories":[{"category":"a","price":"1.5"}],"total_seats":2"#, "invalid_price"),
        (#""categories":[{"category":"a","price":1.5}],"total_seats":2"#, "invalid_field"),
        (#""categories":[{"category":"a","price":"1"},{"category":"a","price":"2"}],"total_seats":2"#, "invalid_field"),
        (#""categories":[{"category":"a","price":"1"},{"category":"b","price":"2"}],"total_seats":2"#, "invalid_field"),
        (#""categories":[],"total_seats":2"#, "invalid_field"),
        (#""categories":[{"category":"a","price":"1","extra":1}],"total_seats":2"#, "unknown_field"),
        (#""currency":"XYZ","total_seats":2"#, "invalid_field"),
        (#""sales_start":"2027-02-01T00:00:00Z","sales_end":"2027-01-01T00:00:00Z","total_seats":2"#, "invalid_field"),
        (#""sales_start":"soon","total_seats":2"#, "invalid_field"),
        (#""thumbnail":"javascript:alert(1)","total_seats":2"#, "invalid_field"),
        (#""seats":[{"seat_id":"1","row":"1","number":1},"2"]"#, "invalid_field"),
        (#""seats":[{"seat_id":"1","row":"1","number":-1}]"#, "invalid_field"),
        (#""seats":[{"seat_id":"1","number":1}]"#, "missing_field"),
        (#""seats":[{"seat_id":"1","row":"1","number":1,"price":"3"}]"#, "unknown_field"),
        (
            #""categories":[{"category":"a","price":"1"},{"category":"b","price":"2"}],"seats":[{"seat_id":"1","row":"1","number":1}]"#,
            "missing_field"
        ),
        (
            #""seats":[{"seat_id":"1","row":"1","number":1},{"seat_id":"2","row":"2","number":1},{"seat_id":"3","row":"1","number":2}]"#,
            "invalid_field"
        ),
    ])
    func refusesBadCatalogs(fields: String, code: String) {
        let error = #expect(throws: ValidationError.self) {
            try event(#"{"name":"Show","date":"2027-01-01","# + fields + "}")
        }
        #expect(error?.code == code)
    }

    @Test func aHundredThousandSeatsAreAccepted() throws {
        let seats = (0..<100_000).map {
            #"{"seat_id":"s\#($0)","section":"S\#($0 / 10_000)","row":"\#($0 / 100)","number":\#($0 % 100 + 1)}"#
        }
        let definition = try event(#"{"name":"Arena","date":"2027-01-01","seats":[\#(seats.joined(separator: ","))]}"#)
        #expect(definition.seats.count == 100_000)
        let tooMany = #expect(throws: ValidationError.self) {
            try event(#"{"name":"Arena","date":"2027-01-01","total_seats":100001}"#)
        }
        #expect(tooMany?.code == "invalid_field")
    }

    @Test(arguments: [
        (#"{"eventId":"e","quantity":3}"#, BestAvailable(quantity: 3)),
        (
            #"{"eventId":"e","quantity":2,"category":"vip","adjacent":false}"#,
            BestAvailable(quantity: 2, category: "vip", adjacent: false)
        ),
    ])
    func quantityRequests(body: String, expected: BestAvailable) throws {
        let request = try validator.seatRequest(from: Array(body.utf8), userID: "u")
        #expect(request.selection == .bestAvailable(expected))
    }

    @Test(arguments: [
        #"{"eventId":"e","quantity":0}"#, #"{"eventId":"e","quantity":11}"#, #"{"eventId":"e","quantity":"2"}"#,
        #"{"eventId":"e","quantity":1.5}"#, #"{"eventId":"e","quantity":2,"seatId":"a"}"#,
        #"{"eventId":"e","seatId":"a","category":"vip"}"#, #"{"eventId":"e","quantity":2,"adjacent":"yes"}"#,
        #"{"eventId":"e","quantity":2,"category":""}"#,
    ])
    func refusesBadQuantityRequests(body: String) {
        #expect(throws: ValidationError.self) { try validator.seatRequest(from: Array(body.utf8), userID: "u") }
    }

    @Test func catalogCommandsAndJournalEntriesRoundTrip() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.5)
        let definition = EventDefinition(
            eventID: "e", name: "n", date: "2027-01-01", venue: "v", description: "d", thumbnail: "https://x.y/z.png",
            currency: Currency(code: "JPY")!, salesStart: now, salesEnd: now.addingTimeInterval(60),
            categories: [.init(name: "a", priceMinor: 1500), .init(name: "b", priceMinor: 0)],
            seats: [
                .init(seatID: "1", section: "S", row: "1", number: 1, category: "b"),
                .init(seatID: "2", section: "S", row: "1", number: 2, category: "a"),
            ])
        let quantity = SeatRequest(
            userID: "u", eventID: "e",
            selection: .bestAvailable(BestAvailable(quantity: 2, category: "a", adjacent: false)))
        for action in [BookingCommand.Action.createEvent(definition), .book(quantity), .hold(quantity, holdSeconds: 5)]
        {
            let command = BookingCommand(commandID: UUID(), acceptedAt: now, deadline: now, action: action)
            #expect(try BookingCommand(encoded: command.encoded()) == command)
        }
        let created = JournalEntry.eventCreated(definition, createdAt: now)
        #expect(try JournalEntry(typeName: created.typeName, payload: created.encodedPayload()) == created)
        let booking = Booking(
            bookingID: UUID(), eventID: "e", userID: "u", seatIDs: ["2"], quantity: 1, category: "a",
            totalPriceMinor: 1500, currency: "JPY", status: .confirmed, createdAt: now, updatedAt: now)
        let booked = JournalEntry.seatBooked(booking)
        #expect(try JournalEntry(typeName: booked.typeName, payload: booked.encodedPayload()) == booked)
    }

    @Test func journalEntriesWrittenBeforeTheCatalogStillRead() throws {
        let created = try JournalEntry(
            typeName: "EventCreated",
            payload:
                #"{"event":{"eventID":"e","name":"n","date":"2027-01-01","venue":"","seatIDs":["a","b"]},"createdAt":1800000000000}"#
        )
        #expect(
            created
                == .eventCreated(
                    EventDefinition(eventID: "e", name: "n", date: "2027-01-01", venue: "", seatIDs: ["a", "b"]),
                    createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
        let booked = try JournalEntry(
            typeName: "SeatBooked",
            payload: #"""
                {"bookingID":"8E6AB2E2-6C0C-4C38-9C7B-2D43D2C0F5A1","eventID":"e","userID":"u","seatIDs":["a","b"],
                 "status":"CONFIRMED","createdAt":1800000000000,"updatedAt":1800000000000}
                """#)
        #expect(booked.booking?.quantity == 2)
        #expect(booked.booking?.totalPriceMinor == 0)
        #expect(booked.booking?.currency == nil)
    }
}
