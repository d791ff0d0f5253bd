import Crypto

/// A Lua script run with `EVALSHA`, identified by the SHA-1 of its source as Redis computes it.
public struct RedisScript: Sendable {
    /// The Lua source, sent with `EVAL` when Redis does not have the script cached.
    public let source: String
    /// The lowercase hexadecimal SHA-1 of `source`, the name `EVALSHA` uses.
    public let sha1: String

    /// Creates a script from its Lua source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
