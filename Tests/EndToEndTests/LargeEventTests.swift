import Foundation
import SeatlineTestSupport
import Testing

/// An event of 100,000 seats, on its own after the parallel tests (`deploy/test`): creating it and choosing seats deep
/// into it keep the one worker busy for seconds, which would run the 8-second holds of the other tests out.
@Suite struct LargeEventTests {
    let gateway = Gateway()
    let catalog = CatalogFlowTests()

    @Test func anEventOfAHundredThousandSeatsIsCreatedShownAndBookedByQuantity() async throws {
        let event = try await catalog.createEvent(
            #""currency":"GBP","categories":[{"category":"stalls","price":"65"},{"category":"circle","price":"42.5"},{"category":"gallery","price":"12.25"}],"seats":\#(CatalogFlowTests.seats(sections: 10, rows: 100, perRow: 100) { _, row in row <= 30 ? "stalls" : row <= 70 ? "circle" : "gallery" })"#
        )
        let map = try await gateway.seatMap(event)
        #expect(map["total_seats"] as? Int == 100_000)
        let categories = try #require(map["categories"] as? [[String: Any]])
        #expect(categories.map { $0["category"] as? String } == ["stalls", "circle", "gallery"])
        #expect(categories.map { $0["total"] as? Int } == [30_000, 40_000, 30_000])
        #expect(categories.map { $0["price"] as? String } == ["65.00", "42.50", "12.25"])
        #expect((map["seats"] as? [[String: Any]])?.count == 100_000)

        let id = try await catalog.bestAvailable("gallery-fan", event, quantity: 4, category: "gallery")
        let booking = try await gateway.booking(id)
        #expect(booking["status"] as? String == "CONFIRMED")
        #expect(booking["seat_ids"] as? [String] == ["S0-71-1", "S0-71-2", "S0-71-3", "S0-71-4"])
        #expect(booking["total_price"] as? String == "49.00")
        #expect(booking["currency"] as? String == "GBP")
        let listing = try await gateway.send(.GET, "/api/events").jsonArray().first {
            $0["event_id"] as? String == event
        }
        #expect(listing?["min_price"] as? String == "12.25")
        #expect(listing?["max_price"] as? String == "65.00")
    }
}
