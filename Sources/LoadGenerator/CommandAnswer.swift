/// What one answer to a booking command says about its effect, by the API's contract. A 202 took it; another status
/// below 500 refused it; a 503 `unavailable` (nothing reached the broker, or the gateway could not reach write-api)
/// or `sales_paused` sent nothing; any other 5xx, or no whole answer, leaves it unknown: the command may have been
/// published before its answer was lost, and then it takes effect like an accepted one.
public enum CommandAnswer: Sendable, Equatable {
    case accepted
    case refused
    case notSent
    case unknown

    /// The answer of `status` (nil when no whole answer came) with the error body's `code`.
    public init(status: Int?, code: String?) {
        switch status {
        case 202?: self = .accepted
        case let status? where status < 500: self = .refused
        case 503? where code == "unavailable" || code == "sales_paused": self = .notSent
        default: self = .unknown
        }
    }
}
