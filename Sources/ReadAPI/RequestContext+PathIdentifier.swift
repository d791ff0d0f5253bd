import Foundation
import Hummingbird
import SeatlineRuntime

extension RequestContext {
    /// The path parameter `name`, percent-decoded. A missing or empty one, or one with control characters
    /// (which no id may contain, and a NUL could not even be sent to PostgreSQL), is a 404.
    func pathIdentifier(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw APIError.notFound("not found") }
        let identifier = raw.removingPercentEncoding ?? raw
        guard !identifier.isEmpty,
            !identifier.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw APIError.notFound("not found") }
        return identifier
    }
}
