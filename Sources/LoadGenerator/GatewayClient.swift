import AsyncHTTPClient
import Foundation
import JSONBytes
import NIOCore
import NIOHTTP1

/// The HTTP side of a load run: a connection pool as wide as the run's concurrency.
struct GatewayClient: Sendable {
    struct Reply: Sendable {
        let status: UInt
        let body: [UInt8]

        /// A member of the JSON object in the body; nil when absent. The load generator shares the machine
        /// with the stack it measures, so bodies are read with the same lean reader the services use.
        func jsonField(_ name: String) throws -> JSONValue? {
            guard case .object(let members) = try JSONValue(parsing: body) else { return nil }
            return members[name]
        }
    }

    let client: HTTPClient
    let baseURL: String
    let adminToken: String

    init(baseURL: String, adminToken: String, connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.baseURL = baseURL
        self.adminToken = adminToken
    }

    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, admin: Bool = false) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if admin { request.headers.add(name: "Authorization", value: "Bearer \(adminToken)") }
        let response = try await client.execute(request, timeout: .seconds(60))
        var body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: response.status.code, body: body.readBytes(length: body.readableBytes) ?? [])
    }

    /// Creates an event and waits until the read side serves it.
    func createEvent(id: String, seats: Int) async throws {
        let reply = try await send(
            .POST, "/api/admin/events",
            json: #"{"event_id":"\#(id)","name":"Load \#(id)","date":"2027-06-01T20:00:00Z","total_seats":\#(seats)}"#,
            admin: true)
        guard reply.status == 202 else { throw LoadError("creating \(id) answered \(reply.status)") }
        while try await send(.GET, "/api/events/\(id)").status != 200 {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The booking's status on the read side, or nil while it is not there yet or still pending.
    func finalStatus(of bookingID: String) async throws -> String? {
        let reply = try await send(.GET, "/api/bookings/\(bookingID)")
        guard reply.status == 200, case .string(let status)? = try reply.jsonField("status"), status != "PENDING"
        else { return nil }
        return status
    }

    func shutdown() async throws {
        try await client.shutdown()
    }
}

/// A run that could not go on.
struct LoadError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
