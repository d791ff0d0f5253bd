import BookingDomain
import Testing

@testable import Accounts

/// Registration and log-in bodies as `POST /api/users` and `POST /api/sessions` read them, without a server.
struct AccountRequestsTests {
    func register(_ body: String) throws(ValidationError) -> Registration {
        try AccountRequests.registration(Array(body.utf8))
    }

    func refusal(_ body: String) -> String? {
        do {
            _ = try register(body)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func anEmailIsStoredTrimmedAndInLowerCase() throws {
        let registration = try register(#"{"email":"  Ann@Example.ORG ","password":"a long password"}"#)
        #expect(registration.email == "ann@example.org")
        #expect(registration.name == "")
    }

    @Test func aNameMayBeEmptyOrAbsentButNotAControlCharacter() throws {
        #expect(try register(#"{"email":"a@b.c","password":"a long password","name":""}"#).name == "")
        #expect(try register(#"{"email":"a@b.c","password":"a long password","name":" Ann "}"#).name == "Ann")
        #expect(refusal(#"{"email":"a@b.c","password":"a long password","name":"A\u0007nn"}"#) == "invalid_field")
        #expect(refusal(#"{"email":"a@b.c","password":"a long password","name":7}"#) == "invalid_field")
    }

    @Test func passwordLengthsCountCharactersAsTheAPIDocumentDoes() throws {
        // Ten scalars, some of them combining marks: as many characters as JSON Schema's minLength counts.
        #expect(
            try register(#"{"email":"a@b.c","password":"e\u0301e\u0301e\u0301e\u0301e\u0301"}"#).password.count == 5)
        #expect(refusal(#"{"email":"a@b.c","password":"short"}"#) == "weak_password")
        let longest = String(repeating: "ü", count: AccountRequests.maximumPasswordLength)
        #expect(try register(#"{"email":"a@b.c","password":"\#(longest)"}"#).password == longest)
        #expect(refusal(#"{"email":"a@b.c","password":"\#(longest)x"}"#) == "invalid_field")
    }

    @Test(arguments: [
        (#"{"email":"not-an-email","password":"a long password"}"#, "invalid_email"),
        (#"{"email":"a@localhost","password":"a long password"}"#, "invalid_email"),
        (#"{"email":"a b@c.d","password":"a long password"}"#, "invalid_email"),
        (#"{"email":"a@b..c","password":"a long password"}"#, "invalid_email"),
        (#"{"password":"a long password"}"#, "missing_field"),
        (#"{"email":"a@b.c","password":"a long password","role":"admin"}"#, "unknown_field"),
        (#"["a@b.c"]"#, "invalid_json"),
    ])
    func malformedRegistrationsAreRefused(body: String, code: String) {
        #expect(refusal(body) == code)
    }

    @Test func logInNormalisesTheEmailButNeverValidatesIt() throws {
        let credentials = try AccountRequests.credentials(Array(#"{"email":" Ann@X ","password":"p"}"#.utf8))
        #expect(credentials.email == "ann@x")
        #expect(throws: ValidationError.self) { try AccountRequests.credentials(Array(#"{"email":"a@b.c"}"#.utf8)) }
    }
}
