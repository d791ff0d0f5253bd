/// A Redis reply (RESP2): bulk and status strings, integers, arrays, nil, and error replies.
public enum RedisValue: Sendable, Hashable {
    /// A bulk or status reply, decoded as UTF-8 (invalid sequences are repaired).
    case string(String)
    /// An integer reply.
    case integer(Int)
    /// An array reply, e.g. from `LRANGE` or a script returning a table.
    case array([RedisValue])
    /// A nil bulk or nil array reply, e.g. `GET` of a missing key.
    case null
    /// An error reply's text, e.g. `WRONGTYPE Operation against a key holding the wrong kind of value`.
    case error(String)
}
