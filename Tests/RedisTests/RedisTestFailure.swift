/// A test precondition that did not hold, thrown from helpers so the test stops with a message.
struct RedisTestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
