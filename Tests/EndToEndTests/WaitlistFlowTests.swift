import Foundation
import SeatlineTestSupport
import Testing

/// Waiting lists with offers, and hold extensions, through the gateway (holds of `SEATLINE_HOLD_SECONDS`, 8 s in
/// the test stack, extended up to `SEATLINE_HOLD_MAX_SECONDS`, 20 s).
@Suite struct WaitlistFlowTests {
    let gateway = Gateway()

    func post(_ user: String, _ path: String, _ body: String? = nil) async throws -> String {
        let reply = try await gateway.command(user, path, body: body)
        #expect(reply.status == .accepted, "\(path): \(String(decoding: reply.body, as: UTF8.self))")
        return try #require(try reply.json()["bookingId"] as? String)
    }

    func wait(_ user: String, _ event: String) async throws -> String {
        let id = try await post(user, "/api/waitlist", #"{"eventId":"\#(event)","quantity":1}"#)
        #expect(try await gateway.booking(id, as: user)["status"] as? String == "WAITING")
        return id
    }

    @Test func freedSeatsGoToTheWaitingInOrderAndAnExpiredOfferToTheNext() async throws {
        let event = try await gateway.createEvent(seatIDs: ["1", "2"])
        let ann = try await gateway.book("ann", event, ["1"])
        let bob = try await gateway.book("bob", event, ["2"])
        for id in [ann, bob] { #expect(try await gateway.booking(id)["status"] as? String == "CONFIRMED") }
        let cy = try await wait("cy", event)
        let dee = try await wait("dee", event)
        let eve = try await wait("eve", event)
        #expect(try await gateway.booking(eve, as: "eve")["waitlist_position"] as? Int == 3)
        // The gateway keeps a seat map for a second.
        _ = try await eventually("three waiting on the seat map") {
            let categories = try await gateway.seatMap(event)["categories"] as? [[String: Any]]
            return categories?.first?["waiting"] as? Int == 3 ? true : nil
        }

        _ = try await post("ann", "/api/bookings/\(ann)/cancel")
        let cyOffer = try await gateway.booking(cy, as: "cy") { $0 == "HELD" }
        #expect(cyOffer["seat_ids"] as? [String] == ["1"])
        #expect(try await gateway.booking(dee, as: "dee")["waitlist_position"] as? Int == 1)
        _ = try await post("bob", "/api/bookings/\(bob)/cancel")
        let deeOffer = try await gateway.booking(dee, as: "dee") { $0 == "HELD" }
        #expect(deeOffer["seat_ids"] as? [String] == ["2"])

        // While Eve waits, the open sale gets neither seat.
        let outsider = try await gateway.book("fay", event, ["2"])
        #expect(try await gateway.booking(outsider)["reason"] as? String == "seat_taken")
        _ = try await post("cy", "/api/bookings/\(cy)/confirm")
        #expect(try await gateway.booking(cy, as: "cy") { $0 == "CONFIRMED" }["seat_ids"] as? [String] == ["1"])
        // Dee lets the offer run out: the seat goes to Eve, not back to the open sale.
        let eveOffer = try await gateway.booking(eve, as: "eve") { $0 == "HELD" }
        #expect(eveOffer["seat_ids"] as? [String] == ["2"])
        #expect(try await gateway.booking(dee, as: "dee")["status"] as? String == "EXPIRED")
        _ = try await eventually("the seat map after the offers") {
            let map = try await gateway.seatMap(event)
            let statuses = (map["seats"] as? [[String: Any]])?.map { $0["status"] as? String }
            let waiting = (map["categories"] as? [[String: Any]])?.first?["waiting"] as? Int
            return statuses == ["booked", "held"] && waiting == 0 ? true : nil
        }
    }

    @Test func joiningIsRefusedWhileSeatsAreFreeAndALeaverLosesThePlace() async throws {
        let event = try await gateway.createEvent(seatIDs: ["1"])
        let early = try await post("gus", "/api/waitlist", #"{"eventId":"\#(event)","quantity":1}"#)
        #expect(try await gateway.booking(early, as: "gus")["reason"] as? String == "seats_available")
        _ = try await gateway.book("hal", event, ["1"])
        let ivy = try await wait("ivy", event)
        let twice = try await post("ivy", "/api/waitlist", #"{"eventId":"\#(event)","quantity":1}"#)
        #expect(try await gateway.booking(twice, as: "ivy")["reason"] as? String == "already_waiting")
        _ = try await post("ivy", "/api/bookings/\(ivy)/cancel")
        #expect(try await gateway.booking(ivy, as: "ivy") { $0 == "CANCELLED" }["waitlist_position"] == nil)
        let refused = try await gateway.send(
            .POST, "/api/waitlist", body: #"{"eventId":"\#(event)","quantity":1,"adjacent":false}"#,
            headers: [try await gateway.authorization("ivy")])
        #expect(refused.status == .badRequest)
    }

    @Test func aHoldIsExtendedUpToTheLimitAndOnlyByItsOwner() async throws {
        let event = try await gateway.createEvent(seatIDs: ["1"])
        let hold = try await gateway.book("jo", event, ["1"], path: "/api/holds")
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        func heldUntil(_ booking: [String: Any]) throws -> Date {
            try Date(try #require(booking["held_until"] as? String), strategy: format)
        }
        let start = try heldUntil(try await gateway.booking(hold, as: "jo"))

        /// Extends as `user`, then waits until the booking shows `done`.
        func extend(as user: String, until done: @escaping ([String: Any]) throws -> Bool) async throws -> [String: Any]
        {
            _ = try await post(user, "/api/bookings/\(hold)/extend")
            return try await eventually("the extension decided") {
                let booking = try await gateway.booking(hold, as: "jo") { _ in true }
                return try done(booking) ? booking : nil
            }
        }
        // The stranger's extension is decided before the owner's (one partition per booking): it moved nothing.
        _ = try await gateway.command("kim", "/api/bookings/\(hold)/extend")
        // The stack's holds last less than half their limit and more than a third of it (8 and 20 s on the test
        // stack): one extension moves the end by a hold's length, the second stops at the limit.
        let (length, limit) = (LocalStack.holdSeconds, LocalStack.maxHoldSeconds)
        try #require(2 * length <= limit && 3 * length > limit, "holds of \(length) s limited to \(limit) s")
        let once = try heldUntil(try await extend(as: "jo") { try heldUntil($0) > start })
        #expect(abs(once.timeIntervalSince(start) - length) < 0.01)
        // Another hold's length would pass the limit after the hold began (a hold's length before `start`).
        let twice = try heldUntil(try await extend(as: "jo") { try heldUntil($0) > once })
        #expect(abs(twice.timeIntervalSince(start) - (limit - length)) < 0.01)
        let limited = try await extend(as: "jo") { $0["reason"] as? String == "hold_extension_limit" }
        #expect(limited["status"] as? String == "HELD")
        #expect(try heldUntil(limited) == twice)
    }

    /// Cancellations racing new waiting requests: no seat is offered twice, every offer goes to the head of the list,
    /// and the read side equals the write state.
    @Test func cancellationsRacingNewWaitersOfferEachSeatOnceInOrder() async throws {
        let seats = (1...10).map(String.init)
        let event = try await gateway.createEvent(seatIDs: seats)
        var owners: [(user: String, booking: String)] = []
        for seat in seats {
            let user = "owner-\(seat)"
            owners.append((user, try await gateway.book(user, event, [seat])))
        }
        for owner in owners { #expect(try await gateway.booking(owner.booking)["status"] as? String == "CONFIRMED") }
        let waiters = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await post("waiter-\(index)", "/api/waitlist", #"{"eventId":"\#(event)","quantity":1}"#)
                }
            }
            for owner in owners {
                group.addTask {
                    _ = try await post(owner.user, "/api/bookings/\(owner.booking)/cancel")
                    return nil
                }
            }
            return try await group.reduce(into: [String]()) { ids, id in if let id { ids.append(id) } }
        }
        for id in waiters { _ = try await gateway.booking(id) }
        // One snapshot of the write DB: offers of 8 s run out while the test reads, and go on to the next in line.
        let rows = try await LocalStack.withWriteDatabase { database in
            try await database.query(
                """
                SELECT status, reason, waitlist_position, seat_ids FROM bookings
                WHERE booking_id = ANY(\(waiters.compactMap(UUID.init(uuidString:)))::uuid[])
                """)
        }
        var offered: [Int64] = []
        var held: [String] = []
        var stillWaiting: [Int64] = []
        for row in rows {
            let status = try row.decode(String.self, at: 0)
            let position = try row.decodeIfPresent(Int64.self, at: 2)
            switch (status, position) {
            case ("WAITING", let position?): stillWaiting.append(position)
            case ("HELD", let position?), ("EXPIRED", let position?), ("CONFIRMED", let position?):
                offered.append(position)
                if status == "HELD" { held += try row.decode([String].self, at: 3) }
            default: #expect(try row.decodeIfPresent(String.self, at: 1) == "seats_available")
            }
        }
        #expect(Set(held).count == held.count, "no seat held by two offers")
        #expect(held.count <= 10)
        #expect((offered.max() ?? 0) < (stillWaiting.min() ?? .max), "offers went to the head of the list")
        let report = try await ContractVerification.check(bookingIDs: [], events: [event])
        #expect(report.doubles == 0)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

}
