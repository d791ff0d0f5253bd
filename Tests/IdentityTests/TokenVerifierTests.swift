import Foundation
import Identity
import Synchronization
import Testing

/// The rules a token must pass, checked without any server.
struct TokenVerifierTests {
    static let secret = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let otherSecret = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
    let keys = try! TokenKeys(signing: "k1:\(secret)")
    let ann = VerifiedIdentity(userID: "ann", role: .user)

    func issuer(_ keys: TokenKeys, issuer: String = "seatline", lifetime: Duration = .seconds(60)) async -> TokenIssuer
    {
        await TokenIssuer(keys: keys, issuer: issuer, lifetime: lifetime)
    }

    @Test func aTokenItIssuedProvesItsSubjectAndRole() async throws {
        let admin = VerifiedIdentity(userID: "root", role: .admin)
        let tokens = await issuer(keys)
        let verifier = await TokenVerifier(keys: keys, issuer: "seatline")
        #expect(try await verifier.verify(try await tokens.token(for: ann)) == ann)
        #expect(try await verifier.verify(try await tokens.token(for: admin)) == admin)
    }

    @Test func anExpiredTokenIsRefusedAlsoWhenItWasVerifiedBefore() async throws {
        let clock = Mutex(Date())
        let verifier = await TokenVerifier(keys: keys, issuer: "seatline", now: { clock.withLock { $0 } })
        let token = try await issuer(keys, lifetime: .seconds(5)).token(for: ann)
        #expect(try await verifier.verify(token) == ann)
        clock.withLock { $0 = $0.addingTimeInterval(6) }
        await #expect(throws: IdentityError.self) { try await verifier.verify(token) }
        let stale = try await issuer(keys, lifetime: .seconds(5)).token(for: ann, now: Date().addingTimeInterval(-60))
        let error = await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(stale)
        }
        #expect(error?.code == .expired)
    }

    /// Lifetimes are judged by the verifier's clock (a role passes the database's), never by this process's own: a
    /// token issued two hours ago by a clock both sides share is valid to a verifier on that clock, and a fresh
    /// token is expired to a verifier whose clock is two hours ahead.
    @Test func expiryIsJudgedByTheVerifiersClockNotThisProcesss() async throws {
        let past = Date().addingTimeInterval(-7200)
        let issuedInThePast = try await issuer(keys, lifetime: .seconds(3600)).token(for: ann, now: past)
        let behind = await TokenVerifier(keys: keys, issuer: "seatline", now: { past.addingTimeInterval(60) })
        #expect(try await behind.verify(issuedInThePast) == ann)
        let ahead = await TokenVerifier(keys: keys, issuer: "seatline", now: { Date().addingTimeInterval(7200) })
        let error = await #expect(throws: IdentityError.self) {
            try await ahead.verify(try await issuer(keys).token(for: ann))
        }
        #expect(error?.code == .expired)
    }

    @Test func aTamperedPayloadBreaksTheSignature() async throws {
        let token = try await issuer(keys).token(for: ann)
        let parts = token.split(separator: ".").map(String.init)
        let forged = base64URL(#"{"sub":"ben","role":"admin","iss":"seatline","iat":1,"exp":99999999999}"#)
        let error = await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(
                [parts[0], forged, parts[2]].joined(separator: "."))
        }
        #expect(error?.code == .badSignature)
    }

    @Test func aTokenSignedWithAnotherSecretIsRefused() async throws {
        let foreign = try TokenKeys(signing: "k1:\(Self.otherSecret)")
        let token = try await issuer(foreign).token(for: ann)
        let error = await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(token)
        }
        #expect(error?.code == .badSignature)
    }

    @Test(arguments: [
        #"{"alg":"none","typ":"JWT","kid":"k1"}"#, #"{"alg":"RS256","typ":"JWT","kid":"k1"}"#,
        #"{"alg":"HS512","typ":"JWT","kid":"k1"}"#, #"{"alg":"HS256","typ":"JWT"}"#, #"{"alg":"HS256","kid":"k9"}"#,
    ])
    func onlyHS256UnderAKnownKeyIdIsAccepted(header: String) async throws {
        let token = try await issuer(keys).token(for: ann)
        let parts = token.split(separator: ".").map(String.init)
        // The original signature, and for `none` the empty one an attacker would send.
        for signature in [parts[2], ""] {
            let error = await #expect(throws: IdentityError.self) {
                try await TokenVerifier(keys: keys, issuer: "seatline").verify(
                    [base64URL(header), parts[1], signature].joined(separator: "."))
            }
            #expect(error?.code == .unacceptableHeader)
        }
    }

    @Test func aTokenOfAnotherIssuerIsRefused() async throws {
        let token = try await issuer(keys, issuer: "elsewhere").token(for: ann)
        let error = await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(token)
        }
        #expect(error?.code == .wrongIssuer)
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "!!!.e30.x"])
    func malformedTokensAreRefused(token: String) async throws {
        await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(token)
        }
    }

    @Test func aRotatedKeyStillVerifiesWhileNewTokensUseTheNewOne() async throws {
        let old = try await issuer(keys).token(for: ann)
        let rotated = try TokenKeys(signing: "k2:\(Self.otherSecret)", verificationOnly: "k1:\(Self.secret)")
        let fresh = try await issuer(rotated).token(for: ann)
        let verifier = await TokenVerifier(keys: rotated, issuer: "seatline")
        #expect(try await verifier.verify(old) == ann)
        #expect(try await verifier.verify(fresh) == ann)
        await #expect(throws: IdentityError.self) {
            try await TokenVerifier(keys: keys, issuer: "seatline").verify(fresh)
        }
    }

    @Test(arguments: ["", "k1", "k1:", "k1:c2hvcnQ=", ":\(secret)", "k1:not base64!"])
    func unusableKeyConfigurationIsRefused(text: String) {
        #expect(throws: IdentityError.self) { try TokenKeys(signing: text) }
    }

    @Test func keyIdsMustBeDistinct() {
        #expect(throws: IdentityError.self) {
            try TokenKeys(signing: "k1:\(Self.secret)", verificationOnly: "k1:\(Self.otherSecret)")
        }
    }

    private func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
