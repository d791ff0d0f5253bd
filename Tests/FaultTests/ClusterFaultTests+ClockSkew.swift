import Foundation
import SeatlineTestSupport
import Testing

/// Clock skew: a role run under libfaketime (Debian's `faketime`) with its wall clock hours or minutes off. Every role
/// decides by the database's clock (`DatabaseClock`), so a token's lifetime (issued by accounts, checked by the APIs),
/// a command's deadline (set by write-api, checked by a worker), a hold's end (set by one worker, swept by the leader)
/// and the seconds a hold has left (counted by read-api) do not depend on two processes' clocks agreeing.
///
/// Only accounts and read-api run under libfaketime: in a process that talks to Kafka, librdkafka's C11
/// `cnd_timedwait` takes an absolute wall-clock deadline from the faked clock and hands it to glibc, which libfaketime
/// does not intercept, so its threads spin (behind) or sleep for the offset (ahead). write-api and the workers are
/// given the same `DatabaseClock` (`WriteAPIService`, `WorkerService`) as the `now` their decisions take. The skewed
/// processes are ended with SIGKILL: under libfaketime their graceful shutdown waits on faked deadlines and does not
/// end.
extension ClusterFaultTests {
    /// The hold length of the stack under test.
    var holdSeconds: Double { Double(ProcessInfo.processInfo.environment["SEATLINE_HOLD_SECONDS"] ?? "") ?? 600 }

    /// Accounts two hours behind, past the tokens' one-hour lifetime: the tokens it issues are valid to write-api
    /// and read-api all the same, and a booking made with one is decided.
    @Test func tokensFromAnAccountsServiceWhoseClockIsBehindAreValid() async throws {
        let port = try LocalStack.freePort()
        let accounts = try LocalStack.startExtra("accounts", port: port, under: try Self.faketime("-2h"))
        defer { LocalStack.signal(SIGKILL, to: accounts) }
        let url = "http://127.0.0.1:\(port)"
        _ = try await eventually("the skewed accounts service ready", within: 30) {
            try? await send(.GET, url + "/readyz", absolute: true).status == 200 ? true : nil
        }
        let email = "\(LocalStack.uniqueName("skewed"))@example.org"
        let credentials = #"{"email":"\#(email)","password":"a long enough password"}"#
        #expect(try await send(.POST, url + "/api/users", body: credentials, absolute: true).status == 201)
        let session = try await send(.POST, url + "/api/sessions", body: credentials, absolute: true)
        let object = try JSONSerialization.jsonObject(with: Data(session.body.utf8)) as? [String: Any]
        let token = "Bearer \(try #require(object?["access_token"] as? String, "\(session.body)"))"

        #expect(try await send(.GET, "/api/me", authorization: token).status == 200)
        let event = LocalStack.uniqueName("skewed-accounts")
        try await post(
            "/api/admin/events", #"{"event_id":"\#(event)","name":"Skew","date":"2027-01-01","total_seats":1}"#)
        let booked = try bookingID(try await post("/api/book", #"{"eventId":"\#(event)","seatId":"1"}"#, bearer: token))
        #expect(try await finalStatus(of: booked, in: ["CONFIRMED", "REJECTED"], bearer: token) == "CONFIRMED")
    }

    /// read-api ten minutes ahead: a hold's `hold_seconds_remaining` on its seat map still counts down from the hold
    /// length, as the stack's own read-api shows it, instead of reading zero.
    @Test func aReadAPIWhoseClockIsAheadCountsAHoldsSecondsByTheDatabasesClock() async throws {
        let event = LocalStack.uniqueName("skewed-read")
        try await post(
            "/api/admin/events", #"{"event_id":"\#(event)","name":"Skew","date":"2027-01-01","total_seats":1}"#)
        let token = "Bearer \(try await LocalStack.token(for: "skewed-reader"))"
        let held = try bookingID(try await post("/api/holds", #"{"eventId":"\#(event)","seatId":"1"}"#, bearer: token))
        #expect(try await finalStatus(of: held, in: ["HELD", "REJECTED"], bearer: token) == "HELD")

        let port = try LocalStack.freePort()
        let readAPI = try LocalStack.startExtra("read-api", port: port, under: try Self.faketime("+10m"))
        defer { LocalStack.signal(SIGKILL, to: readAPI) }
        let url = "http://127.0.0.1:\(port)"
        let remaining = try await eventually("the skewed read-api's seat map", within: 30) {
            try? await holdSecondsRemaining(on: url + "/api/events/\(event)", bearer: token)
        }
        let own = try #require(try await holdSecondsRemaining(on: gateway + "/api/events/\(event)", bearer: token))
        #expect(remaining > 0 && abs(remaining - own) <= 2, "skewed: \(remaining) s, the stack's: \(own) s")
    }

    /// The launcher of a role whose wall clock is `offset` off (`-2h`, `+10m`).
    static func faketime(_ offset: String) throws -> [String] {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime"), "Debian's faketime is missing")
        return ["/usr/bin/faketime", "-f", offset]
    }

    /// The `hold_seconds_remaining` of the first held seat on the seat map at `url`, nil while there is none.
    func holdSecondsRemaining(on url: String, bearer: String) async throws -> Double? {
        let reply = try await send(.GET, url, authorization: bearer, absolute: true)
        guard reply.status == 200,
            let map = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
            let seats = map["seats"] as? [[String: Any]]
        else { return nil }
        return seats.lazy.compactMap { $0["hold_seconds_remaining"] as? Double }.first
    }
}
