/// Where Redis is and how the client talks to it; every default works on the local stack once `host`/`port` are set.
public struct RedisConfiguration: Sendable {
    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// How many connections the client's pool opens at most; they are opened lazily, on first use.
    public var connectionCount: Int = 4
    /// How long opening a connection may take before it fails with `.connectionFailed`.
    public var connectTimeout: Duration = .seconds(1)
    /// How long Redis may stay silent (each socket read or write) while a reply is awaited, before `.timeout`.
    public var commandTimeout: Duration = .seconds(2)

    /// A configuration for the server at `host:port` with default pool size and timeouts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// A configuration from a `redis://host[:port][/]` URL (port 6379 when omitted; IPv6 hosts in brackets).
    public init(url: String) throws(RedisError) {
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else {
            throw RedisError(.invalidURL, "the URL must start with \(scheme)")
        }
        var authority = url.dropFirst(scheme.count)
        if authority.last == "/" {
            authority = authority.dropLast()
        }
        guard !authority.contains("/"), !authority.contains("?") else {
            throw RedisError(.invalidURL, "database numbers and options are not supported; use redis://host:port")
        }
        // Checked so that a password in the URL never ends up in a host name, and so in a log line.
        guard !authority.contains("@") else {
            throw RedisError(.invalidURL, "credentials are not supported; use redis://host:port")
        }
        let host: Substring
        let portText: Substring?
        if authority.first == "[" {
            guard let closing = authority.firstIndex(of: "]") else {
                throw RedisError(.invalidURL, "an IPv6 host needs a closing bracket")
            }
            host = authority[authority.index(after: authority.startIndex)..<closing]
            let rest = authority[authority.index(after: closing)...]
            guard rest.isEmpty || rest.first == ":" else {
                throw RedisError(.invalidURL, "expected :port after the IPv6 host")
            }
            portText = rest.isEmpty ? nil : rest.dropFirst()
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else {
            throw RedisError(.invalidURL, "the URL has no host")
        }
        var port = 6379
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw RedisError(.invalidURL, "the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        self.init(host: String(host), port: port)
    }
}
