/// The live-stream subscribers of one process, grouped by event: a value type kept behind the feed's `Mutex`.
struct SubscriberRegistry<Subscriber> {
    private var nextID = 0
    private var byEvent: [String: [Int: Subscriber]] = [:]
    private var eventOfSubscriber: [Int: String] = [:]
    /// The feed position each subscriber reads from: it has every change up to there already.
    private var startOfSubscriber: [Int: Int64] = [:]
    /// Set once the feed shuts down; no subscriber is added after that.
    private(set) var isClosed = false

    /// Whether nobody is subscribed.
    var isEmpty: Bool { eventOfSubscriber.isEmpty }

    /// A fresh subscriber id.
    mutating func makeID() -> Int {
        nextID += 1
        return nextID
    }

    /// The lowest position a subscriber reads from, if anyone is subscribed.
    var earliestStart: Int64? { startOfSubscriber.values.min() }

    /// Adds a subscriber to `eventID`'s changes after position `start`; false once closed.
    mutating func add(_ subscriber: Subscriber, id: Int, eventID: String, start: Int64) -> Bool {
        guard !isClosed else { return false }
        byEvent[eventID, default: [:]][id] = subscriber
        eventOfSubscriber[id] = eventID
        startOfSubscriber[id] = start
        return true
    }

    /// Removes a subscriber; removing one that is gone does nothing.
    mutating func remove(id: Int) {
        guard let eventID = eventOfSubscriber.removeValue(forKey: id) else { return }
        startOfSubscriber[id] = nil
        byEvent[eventID]?[id] = nil
        if byEvent[eventID]?.isEmpty == true { byEvent[eventID] = nil }
    }

    /// The subscribers of one event.
    func subscribers(of eventID: String) -> [Subscriber] {
        byEvent[eventID].map { Array($0.values) } ?? []
    }

    /// Every subscriber.
    var all: [Subscriber] {
        byEvent.values.flatMap(\.values)
    }

    /// Refuses new subscribers and returns the current ones, which the caller ends.
    mutating func close() -> [Subscriber] {
        isClosed = true
        let subscribers = all
        byEvent = [:]
        eventOfSubscriber = [:]
        startOfSubscriber = [:]
        return subscribers
    }
}
