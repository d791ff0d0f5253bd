import Testing

@testable import ReadAPI

@Suite("SubscriberRegistry")
struct SubscriberRegistryTests {
    @Test("subscribers are found by event, removed once, and refused after closing")
    func lifecycle() {
        var registry = SubscriberRegistry<String>()
        let (first, second, third) = (registry.makeID(), registry.makeID(), registry.makeID())
        let added = [
            registry.add("ana", id: first, eventID: "gala", start: 40),
            registry.add("ben", id: second, eventID: "gala", start: 12),
            registry.add("cy", id: third, eventID: "matinee", start: 30),
        ]
        #expect(added == [true, true, true])
        #expect(registry.subscribers(of: "gala").sorted() == ["ana", "ben"])
        #expect(registry.earliestStart == 12)

        registry.remove(id: second)
        registry.remove(id: second)
        #expect(registry.subscribers(of: "gala") == ["ana"])
        #expect(registry.earliestStart == 30)

        let closed = registry.close()
        #expect(closed.sorted() == ["ana", "cy"])
        #expect(registry.isEmpty)
        #expect(registry.earliestStart == nil)
        let late = registry.makeID()
        let addedAfterClosing = registry.add("dee", id: late, eventID: "gala", start: 50)
        #expect(!addedAfterClosing)
    }
}
