public import BookingDomain
import Kafka

/// Hands a command to the log the worker reads. Returns only once the command is durable there.
public protocol CommandPublisher: Sendable {
    /// Publishes `command`; throws `CommandPublisherError` when it could not be made durable in time.
    func publish(_ command: BookingCommand) async throws(CommandPublisherError)
}

/// The broker did not acknowledge a command; the client should retry.
public struct CommandPublisherError: Error, CustomStringConvertible {
    /// Why, without the payload.
    public let reason: String
    /// The command may have reached the log all the same (it was sent, and no answer came back), so it may
    /// still take effect; false only when it certainly was never stored.
    public let outcomeUnknown: Bool

    /// Creates an error.
    public init(reason: String, outcomeUnknown: Bool = false) {
        self.reason = reason
        self.outcomeUnknown = outcomeUnknown
    }

    /// The reason.
    public var description: String { reason }
}

/// Publishes to Kafka with the idempotent, acks=all producer; each call waits for its delivery report.
struct KafkaCommandPublisher: CommandPublisher {
    let producer: KafkaProducer
    let topic: String

    func publish(_ command: BookingCommand) async throws(CommandPublisherError) {
        do {
            _ = try await producer.send(topic: topic, key: Array(command.partitionKey.utf8), value: command.encoded())
        } catch {
            throw CommandPublisherError(reason: error.description, outcomeUnknown: error.possiblyPersisted)
        }
    }
}
