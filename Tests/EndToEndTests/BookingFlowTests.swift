import AsyncHTTPClient
import Foundation
import NIOCore
import SeatlineTestSupport
import Testing

/// Booking through the gateway, from event creation to what the read side shows.
@Suite struct BookingFlowTests {
    let gateway = Gateway()

    @Test func createListBookAndWatchTheSeatMap() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1", "A2", "A3"])
        let list = try await gateway.send(.GET, "/api/events")
        #expect(list.status == .ok)
        let listed = try #require(try list.jsonArray().first { $0["event_id"] as? String == event })
        #expect(listed["total_seats"] as? Int == 3)
        #expect(listed["available_seats"] as? Int == 3)
        #expect(listed["seats"] == nil)

        // A live stream opened before the booking sees the seat change.
        let stream = Task { () -> String in
            var request = HTTPClientRequest(url: gateway.baseURL + "/api/events/\(event)/stream")
            request.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
            var received = ""
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if received.contains("event: seat_update") && received.contains("\"A2\"") { break }
            }
            return received
        }
        try await Task.sleep(for: .milliseconds(300))

        let bookingID = try await gateway.book("alice", event, ["A2"])
        let booking = try await gateway.booking(bookingID, as: "alice")
        #expect(booking["status"] as? String == "CONFIRMED")
        #expect(booking["event_id"] as? String == event)
        #expect(booking["user_id"] as? String == "alice")
        #expect(booking["seat_ids"] as? [String] == ["A2"])

        let map = try await eventually("seat map shows A2 booked") {
            let map = try await gateway.seatMap(event)
            return map["booked_seats"] as? Int == 1 ? map : nil
        }
        #expect(map["available_seats"] as? Int == 2)
        let seats = try #require(map["seats"] as? [[String: Any]])
        #expect(seats.map { $0["seat_id"] as? String } == ["A1", "A2", "A3"])
        #expect(seats[1]["status"] as? String == "booked")
        #expect(seats[1]["user_id"] is NSNull)
        #expect(seats[0]["status"] as? String == "available")

        let events = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await stream.value }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                stream.cancel()
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let received = try #require(events, "no seat_update arrived on the live stream")
        #expect(received.contains("event: seat_update"))
        #expect(received.contains("\"booked\""))
    }

    @Test func flashSaleOfFiveSeatsConfirmsExactlyFive() async throws {
        let seats = ["S1", "S2", "S3", "S4", "S5"]
        let event = try await gateway.createEvent(seatIDs: seats)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask { try await gateway.book("fan-\(index)", event, [seats[index % seats.count]]) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 200)
        var confirmedUsers: [String: String] = [:]
        var rejected = 0
        for id in ids {
            let booking = try await gateway.booking(id)
            switch booking["status"] as? String {
            case "CONFIRMED":
                let seat = try #require((booking["seat_ids"] as? [String])?.first)
                #expect(confirmedUsers[seat] == nil, "seat \(seat) confirmed twice")
                confirmedUsers[seat] = booking["user_id"] as? String
            case "REJECTED":
                #expect(booking["reason"] as? String == "seat_taken")
                rejected += 1
            default:
                Issue.record("unexpected booking \(booking)")
            }
        }
        #expect(confirmedUsers.count == 5)
        #expect(rejected == 195)
        let map = try await eventually("seat map shows five booked") {
            let map = try await gateway.seatMap(event)
            return map["booked_seats"] as? Int == 5 ? map : nil
        }
        let booked = try #require(map["seats"] as? [[String: Any]]).filter { $0["status"] as? String == "booked" }
        #expect(Set(booked.compactMap { $0["seat_id"] as? String }) == Set(confirmedUsers.keys))
    }

    @Test func idempotencyKeyRetriedFiveTimesBooksOnce() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1", "A2"])
        var ids = Set<String>()
        for _ in 0..<5 {
            ids.insert(try await gateway.book("carol", event, ["A1"], headers: [("Idempotency-Key", "order-\(event)")]))
        }
        #expect(ids.count == 1)
        let booking = try await gateway.booking(try #require(ids.first))
        #expect(booking["status"] as? String == "CONFIRMED")
        // The gateway may answer from its cache for up to a second, so the map catches up eventually.
        _ = try await eventually("seat map shows one seat booked") {
            let map = try await gateway.seatMap(event)
            return map["booked_seats"] as? Int == 1 ? map : nil
        }
    }

    @Test func multiSeatBookingOverlappingATakenSeatChangesNothing() async throws {
        let event = try await gateway.createEvent(seatIDs: ["A1", "A2", "A3"])
        let first = try await gateway.book("dave", event, ["A2"])
        #expect(try await gateway.booking(first)["status"] as? String == "CONFIRMED")
        let overlapping = try await gateway.book("erin", event, ["A1", "A2", "A3"])
        let refused = try await gateway.booking(overlapping)
        #expect(refused["status"] as? String == "REJECTED")
        #expect(refused["reason"] as? String == "seat_taken")
        let map = try await eventually("seat map shows only A2 booked") {
            let map = try await gateway.seatMap(event)
            return map["booked_seats"] as? Int == 1 ? map : nil
        }
        #expect(map["available_seats"] as? Int == 2)
    }

    @Test func holdThenConfirmAndHoldThenCancel() async throws {
        let event = try await gateway.createEvent(seatIDs: ["H1", "H2"])
        let kept = try await gateway.book("frank", event, ["H1"], path: "/api/holds")
        let held = try await gateway.booking(kept)
        #expect(held["status"] as? String == "HELD")
        #expect(held["held_until"] as? String != nil)
        let confirm = try await gateway.command("frank", "/api/bookings/\(kept)/confirm")
        #expect(confirm.status == .accepted)
        #expect(try await gateway.booking(kept, until: { $0 == "CONFIRMED" })["user_id"] as? String == "frank")

        let dropped = try await gateway.book("grace", event, ["H2"], path: "/api/holds")
        _ = try await gateway.booking(dropped)
        let cancel = try await gateway.command("grace", "/api/bookings/\(dropped)/cancel", body: #"{"userId":"grace"}"#)
        #expect(cancel.status == .accepted)
        _ = try await gateway.booking(dropped, until: { $0 == "CANCELLED" })
        let map = try await eventually("H2 available again") {
            let map = try await gateway.seatMap(event)
            return map["available_seats"] as? Int == 1 ? map : nil
        }
        #expect(map["booked_seats"] as? Int == 1)
    }

    /// Needs a stack whose holds are short (deploy/test sets SEATLINE_HOLD_SECONDS=8).
    @Test func unconfirmedHoldExpiresAndFreesTheSeat() async throws {
        let event = try await gateway.createEvent(seatIDs: ["X1"])
        let id = try await gateway.book("henry", event, ["X1"], path: "/api/holds")
        #expect(try await gateway.booking(id)["status"] as? String == "HELD")
        let held = try await eventually("X1 shown held") {
            let map = try await gateway.seatMap(event)
            return map["held_seats"] as? Int == 1 ? map : nil
        }
        let seat = try #require((held["seats"] as? [[String: Any]])?.first)
        #expect(seat["status"] as? String == "held")
        #expect(seat["held_until"] as? String != nil)
        let expired = try await gateway.booking(id, until: { $0 == "EXPIRED" })
        #expect(expired["reason"] as? String == "hold_expired")
        _ = try await eventually("X1 available again") {
            let map = try await gateway.seatMap(event)
            return map["available_seats"] as? Int == 1 ? map : nil
        }
    }
}
