import JSONBytes
import NIOCore
import NIOHTTP1

/// The HTTP side of a load run: requests rendered straight to bytes, sent over `GatewayConnections`.
struct GatewayClient: Sendable {
    let connections: GatewayConnections
    private let hostHeader: String
    private let adminToken: String

    /// A client for `baseURL` (`http://host[:port]`) with up to `connections` connections open at once.
    init(baseURL: String, adminToken: String, connections limit: Int) throws {
        guard baseURL.hasPrefix("http://") else { throw LoadError("the gateway URL must start with http://") }
        let authority = baseURL.dropFirst("http://".count).prefix { $0 != "/" }
        let parts = authority.split(separator: ":", maxSplits: 1)
        guard let host = parts.first.map(String.init), !host.isEmpty,
            let port = parts.count == 2 ? Int(parts[1]) : 80
        else { throw LoadError("cannot read host and port from the gateway URL \(baseURL)") }
        connections = GatewayConnections(host: host, port: port, limit: limit)
        hostHeader = String(authority)
        self.adminToken = adminToken
    }

    /// The bytes of one request, sent with the admin token or a user's `bearer` token.
    func request(
        _ method: HTTPMethod, _ path: String, json: String? = nil, admin: Bool = false, bearer: String? = nil
    ) -> ByteBuffer {
        var head = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        if let token = admin ? adminToken : bearer { head += "Authorization: Bearer \(token)\r\n" }
        if let json {
            head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n" + json
        } else {
            head += "\r\n"
        }
        return ByteBuffer(string: head)
    }

    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, admin: Bool = false) async throws -> HTTPReply
    {
        try await connections.execute(request(method, path, json: json, admin: admin)).get()
    }

    /// Creates an event and waits until the read side serves it. The gateway limits admin requests per client
    /// (429) and answers 503 while the broker is away; both are retried for up to about ten seconds.
    func createEvent(id: String, seats: Int) async throws {
        var reply = try await createEventOnce(id: id, seats: seats)
        var attempts = 1
        while reply.status == 429 || reply.status == 503, attempts < 50 {
            try await Task.sleep(for: .milliseconds(200))
            reply = try await createEventOnce(id: id, seats: seats)
            attempts += 1
        }
        guard reply.status == 202 else { throw LoadError("creating \(id) answered \(reply.status)") }
        while try await send(.GET, "/api/events/\(id)").status != 200 {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func createEventOnce(id: String, seats: Int) async throws -> HTTPReply {
        try await send(
            .POST, "/api/admin/events",
            json: #"{"event_id":"\#(id)","name":"Load \#(id)","date":"2027-06-01T20:00:00Z","total_seats":\#(seats)}"#,
            admin: true)
    }

    /// The booking's status on the read side, or nil while it is not there yet or still pending.
    func finalStatus(of bookingID: String) async throws -> String? {
        let reply = try await send(.GET, "/api/bookings/\(bookingID)", admin: true)
        guard reply.status == 200, case .string(let status)? = try reply.jsonField("status"), status != "PENDING"
        else { return nil }
        return status
    }

    func shutdown() async throws {
        try await connections.shutdown()
    }
}

extension HTTPReply {
    /// A member of the JSON object in the body; nil when absent. The load generator shares the machine
    /// with the stack it measures, so bodies are read with the same lean reader the services use.
    func jsonField(_ name: String) throws -> JSONValue? {
        guard case .object(let members) = try JSONValue(parsing: body) else { return nil }
        return members[name]
    }
}

/// A run that could not go on.
struct LoadError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
