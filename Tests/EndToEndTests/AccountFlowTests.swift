import Foundation
import NIOHTTP1
import SeatlineTestSupport
import Testing

/// Accounts through the gateway: people register and log in, every command is the token's user, and only a
/// booking's owner acts on it or reads it.
@Suite struct AccountFlowTests {
    let gateway = Gateway()

    /// Registers a new person and logs them in; returns their user id and the Authorization header.
    func newUser(_ name: String) async throws -> (id: String, authorization: (String, String)) {
        let email = "\(name)-\(UUID().uuidString.prefix(8))@Example.org"
        let registered = try await gateway.accounts(
            "/api/users", #"{"email":"\#(email)","password":"a long password","name":"\#(name)"}"#)
        #expect(registered.status == .created)
        let profile = try registered.json()
        #expect(profile["email"] as? String == email.lowercased())
        let session = try await gateway.accounts(
            "/api/sessions", #"{"email":"\#(email.lowercased())","password":"a long password"}"#)
        #expect(session.status == .ok)
        let body = try session.json()
        #expect(body["token_type"] as? String == "Bearer")
        #expect(body["role"] as? String == "user")
        #expect((body["expires_in"] as? Int ?? 0) > 0)
        let id = try #require(profile["user_id"] as? String)
        #expect(body["user_id"] as? String == id)
        return (id, ("Authorization", "Bearer \(try #require(body["access_token"] as? String))"))
    }

    @Test func registerLogInBookConfirmAndListMyBookings() async throws {
        let ann = try await newUser("ann")
        let me = try await gateway.send(.GET, "/api/me", headers: [ann.authorization])
        #expect(me.status == .ok)
        #expect(try me.json()["user_id"] as? String == ann.id)
        #expect(try me.json()["role"] as? String == "user")

        let event = try await gateway.createEvent(seatIDs: ["A1", "A2"])
        let hold = try await gateway.send(
            .POST, "/api/holds", body: #"{"eventId":"\#(event)","seatIds":["A1","A2"]}"#, headers: [ann.authorization])
        #expect(hold.status == .accepted)
        let id = try #require(try hold.json()["bookingId"] as? String)
        _ = try await gateway.booking(id, until: { $0 == "HELD" })
        let confirm = try await gateway.send(.POST, "/api/bookings/\(id)/confirm", headers: [ann.authorization])
        #expect(confirm.status == .accepted)
        let booking = try await gateway.booking(id, until: { $0 == "CONFIRMED" })
        #expect(booking["user_id"] as? String == ann.id)

        let mine = try await gateway.send(.GET, "/api/me/bookings", headers: [ann.authorization])
        #expect(mine.status == .ok)
        let listed = try #require(try mine.json()["bookings"] as? [[String: Any]])
        #expect(listed.map { $0["booking_id"] as? String } == [id])
        #expect(listed.first?["status"] as? String == "CONFIRMED")
    }

    @Test func nobodyButTheOwnerActsOnOrReadsABooking() async throws {
        let (owner, stranger) = (try await newUser("owner"), try await newUser("stranger"))
        let event = try await gateway.createEvent(seatIDs: ["S1", "S2"])
        let held = try await gateway.send(
            .POST, "/api/holds", body: #"{"eventId":"\#(event)","seatId":"S1"}"#, headers: [owner.authorization])
        let id = try #require(try held.json()["bookingId"] as? String)
        let before = try await gateway.booking(id, until: { $0 == "HELD" })

        // The stranger's commands are accepted (the write side does not know owners) and change nothing.
        for verb in ["confirm", "cancel"] {
            let reply = try await gateway.send(.POST, "/api/bookings/\(id)/\(verb)", headers: [stranger.authorization])
            #expect(reply.status == .accepted)
        }
        // A body naming the owner does not make the stranger the owner.
        let posing = try await gateway.send(
            .POST, "/api/bookings/\(id)/cancel", body: #"{"userId":"\#(owner.id)"}"#, headers: [stranger.authorization])
        #expect(posing.status == .forbidden)
        #expect(try posing.json()["code"] as? String == "user_mismatch")
        // The stranger reads it exactly as a booking that does not exist.
        let read = try await gateway.send(.GET, "/api/bookings/\(id)", headers: [stranger.authorization])
        let missing = try await gateway.send(.GET, "/api/bookings/\(UUID())", headers: [stranger.authorization])
        #expect(read.status == .notFound)
        let (readCode, missingCode) = (try read.json()["code"] as? String, try missing.json()["code"] as? String)
        #expect(readCode == missingCode)
        #expect(before["status"] as? String == "HELD")
        // The owner's confirm travels in the same partition as the stranger's commands, after them: had the
        // stranger's cancel taken effect, it could not confirm.
        let confirm = try await gateway.send(.POST, "/api/bookings/\(id)/confirm", headers: [owner.authorization])
        #expect(confirm.status == .accepted)
        let after = try await gateway.booking(id, until: { $0 != "HELD" })
        #expect(after["status"] as? String == "CONFIRMED")
        let strangers = try await gateway.send(.GET, "/api/me/bookings", headers: [stranger.authorization])
        #expect((try strangers.json()["bookings"] as? [Any])?.isEmpty == true)
    }

    @Test func commandsWithoutAValidTokenAre401AndChangeNothing() async throws {
        let event = try await gateway.createEvent(seatIDs: ["N1"])
        let valid = try await LocalStack.token(for: "someone")
        let parts = valid.split(separator: ".").map(String.init)
        let forgedPayload = Data(#"{"sub":"someone","role":"admin","iss":"seatline","iat":1,"exp":99999999999}"#.utf8)
            .base64EncodedString().replacingOccurrences(of: "=", with: "")
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(
            of: "=", with: "")
        let tokens: [String?] = [
            nil, "garbage", "\(parts[0]).\(forgedPayload).\(parts[2])", "\(none).\(parts[1]).",
            "\(parts[0]).\(parts[1]).AAAA",
        ]
        for token in tokens {
            let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
            for (path, body) in [
                ("/api/book", #"{"eventId":"\#(event)","seatId":"N1"}"#),
                ("/api/holds", #"{"eventId":"\#(event)","seatId":"N1"}"#),
                ("/api/bookings/\(UUID())/confirm", "{}"), ("/api/bookings/\(UUID())/cancel", "{}"),
            ] {
                let reply = try await gateway.send(.POST, path, body: body, headers: headers)
                #expect(reply.status == .unauthorized, "\(path) \(token ?? "no token")")
                #expect(reply.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(try reply.json()["code"] as? String != nil)
            }
        }
        // A valid user's booking of the same seat, decided after all of those, finds it free.
        let id = try await gateway.book("someone", event, ["N1"])
        #expect(try await gateway.booking(id)["status"] as? String == "CONFIRMED")
    }

    @Test func duplicateEmailWrongPasswordAndUnknownEmail() async throws {
        let email = "dup-\(UUID().uuidString.prefix(8))@example.org"
        let body = #"{"email":"\#(email)","password":"a long password"}"#
        #expect(try await gateway.accounts("/api/users", body).status == .created)
        let again = try await gateway.accounts("/api/users", body.replacingOccurrences(of: "dup-", with: " DUP-"))
        #expect(again.status == .conflict)
        #expect(try again.json()["code"] as? String == "email_taken")
        let wrong = try await gateway.accounts("/api/sessions", #"{"email":"\#(email)","password":"not the password"}"#)
        let unknown = try await gateway.accounts(
            "/api/sessions", #"{"email":"nobody-\#(email)","password":"not the password"}"#)
        #expect(wrong.status == .unauthorized)
        #expect(unknown.status == .unauthorized)
        #expect(wrong.body == unknown.body)
        for bad in [
            #"{"email":"not-an-email","password":"a long password"}"#, #"{"email":"a@b.c","password":"short"}"#,
        ] {
            #expect(try await gateway.accounts("/api/users", bad).status == .badRequest)
        }
    }

    @Test func aLoginFloodIsRateLimited() async throws {
        // The gateway counts a log-in before accounts sees it, so log-ins accounts refuses at once (no password)
        // make a flood faster than the limit however long bcrypt takes on a busy machine: guesses that each
        // waited for bcrypt came in slower than 5 a second on two cores shared with another test run.
        let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for _ in 0..<60 {
                group.addTask {
                    try await gateway.send(.POST, "/api/sessions", body: #"{"email":"flood@example.org"}"#).status
                }
            }
            return try await group.reduce(into: [HTTPResponseStatus]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == .badRequest || $0 == .tooManyRequests })
        #expect(statuses.contains(.tooManyRequests))
    }
}
