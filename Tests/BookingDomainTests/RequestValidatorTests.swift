import Foundation
import Testing

@testable import BookingDomain

@Suite struct RequestValidatorTests {
    let validator = RequestValidator()

    @Test func acceptsSingleAndMultiSeatRequestsOfTheVerifiedUser() throws {
        let single = try validator.seatRequest(from: Array(#"{"eventId":"e1","seatId":"A1"}"#.utf8), userID: "u1")
        #expect(single == SeatRequest(userID: "u1", eventID: "e1", seatIDs: ["A1"]))
        let many = try validator.seatRequest(
            from: Array(#"{"userId":"u1","eventId":"e1","seatIds":["A1","A2"]}"#.utf8), userID: "u1")
        #expect(many == SeatRequest(userID: "u1", eventID: "e1", seatIDs: ["A1", "A2"]))
    }

    @Test func aBodyNamingAnotherUserIsForbidden() {
        let error = #expect(throws: ValidationError.self) {
            try validator.seatRequest(
                from: Array(#"{"userId":"mallory","eventId":"e1","seatId":"A1"}"#.utf8), userID: "u")
        }
        #expect(error?.code == "user_mismatch")
        #expect(error?.kind == .forbidden)
        let reference = #expect(throws: ValidationError.self) {
            try validator.bookingReference(
                bookingID: UUID().uuidString, from: Array(#"{"userId":"m"}"#.utf8), userID: "u")
        }
        #expect(reference?.code == "user_mismatch")
    }

    @Test(arguments: [
        (#"not json"#, "invalid_json"),
        (#"[1,2]"#, "invalid_json"),
        (#"{"seatId":"A1"}"#, "missing_field"),
        (#"{"userId":"","eventId":"e1","seatId":"A1"}"#, "invalid_field"),
        (#"{"userId":42,"eventId":"e1","seatId":"A1"}"#, "invalid_field"),
        (#"{"userId":"u","eventId":"e1"}"#, "missing_field"),
        (#"{"userId":"u","eventId":"e1","seatId":"A1","seatIds":["A2"]}"#, "invalid_field"),
        (#"{"userId":"u","eventId":"e1","seatIds":[]}"#, "invalid_field"),
        (#"{"userId":"u","eventId":"e1","seatIds":["A1","A1"]}"#, "duplicate_seat"),
        (#"{"userId":"u","eventId":"e1","seatIds":["1","2","3","4","5","6","7","8","9","10","11"]}"#, "too_many_seats"),
        (#"{"userId":"u","eventId":"e1","seatIDs":["A1"]}"#, "unknown_field"),
        (#"{"userId":"u\u0000","eventId":"e1","seatId":"A1"}"#, "invalid_field"),
    ])
    func refusesBadBookings(body: String, code: String) {
        let error = #expect(throws: ValidationError.self) {
            try validator.seatRequest(from: Array(body.utf8), userID: "u")
        }
        #expect(error?.code == code)
    }

    @Test func eventDefinitions() throws {
        let listed = try validator.eventDefinition(
            from: Array(#"{"event_id":"e1","name":"Gig","date":"2027-01-01T20:00:00Z","seats":["A1","A2"]}"#.utf8),
            generatedID: { "unused" })
        #expect(
            listed
                == EventDefinition(
                    eventID: "e1", name: "Gig", date: "2027-01-01T20:00:00Z", venue: "", seatIDs: ["A1", "A2"]))
        let counted = try validator.eventDefinition(
            from: Array(#"{"name":"Gig","date":"2027-01-01","venue":"Hall","total_seats":3}"#.utf8),
            generatedID: { "gen" })
        #expect(counted.eventID == "gen")
        #expect(counted.seatIDs == ["1", "2", "3"])
        let wholeFloat = try validator.eventDefinition(
            from: Array(#"{"name":"Gig","date":"2027-01-01","total_seats":2.0}"#.utf8), generatedID: { "gen" })
        #expect(wholeFloat.seatIDs == ["1", "2"])
        for body in [
            #"{"name":"Gig","date":"tomorrow","total_seats":3}"#,
            #"{"name":"Gig","date":"2027-01-01","total_seats":0}"#,
            #"{"name":"Gig","date":"2027-01-01","total_seats":1.5}"#,
            #"{"name":"","date":"2027-01-01","total_seats":3}"#,
            #"{"name":"\f","date":"2027-01-01","total_seats":3}"#,
            #"{"name":"G\u0000ig","date":"2027-01-01","total_seats":3}"#,
            #"{"name":"Gig","venue":"H\u0000all","date":"2027-01-01","total_seats":3}"#,
            #"{"event_id":"a/b","name":"Gig","date":"2027-01-01","total_seats":3}"#,
            #"{"event_id":"..","name":"Gig","date":"2027-01-01","total_seats":3}"#,
            #"{"name":"Gig","date":"2027-01-01"}"#,
        ] {
            #expect(throws: ValidationError.self) {
                try validator.eventDefinition(from: Array(body.utf8), generatedID: { "x" })
            }
        }
    }

    @Test func bookingReferenceNeedsAUUIDAndActsForTheVerifiedUser() throws {
        let id = UUID()
        #expect(
            try validator.bookingReference(bookingID: id.uuidString, from: Array(#"{"userId":"u"}"#.utf8), userID: "u")
                == BookingReference(bookingID: id, userID: "u"))
        #expect(try validator.bookingReference(bookingID: id.uuidString, from: [], userID: "u").userID == "u")
        #expect(
            try validator.bookingReference(bookingID: id.uuidString, from: Array("{}".utf8), userID: "u").userID == "u")
        #expect(throws: ValidationError.self) {
            try validator.bookingReference(bookingID: "42", from: [], userID: "u")
        }
        #expect(throws: ValidationError.self) {
            try validator.bookingReference(bookingID: id.uuidString, from: Array(#"{"user":"u"}"#.utf8), userID: "u")
        }
    }
}
