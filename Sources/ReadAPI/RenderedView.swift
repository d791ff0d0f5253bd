import Foundation
import NIOCore

/// A JSON body ready to send, with the entity tag that names it.
struct RenderedView: Sendable {
    /// The body; shared, never copied, by every response that sends it.
    let body: ByteBuffer
    /// The quoted entity tag, e.g. `"42"`.
    let etag: String

    /// Whether an `If-None-Match` header value names this view (`*`, or a list of possibly weak tags).
    func isMatched(by ifNoneMatch: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)[...]
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag
        }
    }
}
