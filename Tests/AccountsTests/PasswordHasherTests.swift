import Testing

@testable import Accounts

/// bcrypt behind `PasswordHasher`, at its lowest cost so the suite stays quick.
struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: 4)

    @Test func aHashVerifiesItsPasswordAndNoOther() async throws {
        let hash = try await hasher.hash("a long password")
        #expect(hash.hasPrefix("$2b$04$") || hash.hasPrefix("$2a$04$") || hash.hasPrefix("$2y$04$"))
        #expect(!hash.contains("a long password"))
        #expect(try await hasher.verify("a long password", against: hash))
        #expect(try await !hasher.verify("a long passwore", against: hash))
    }

    @Test func everyCharacterOfALongPassphraseCounts() async throws {
        let passphrase = String(repeating: "x", count: 100)
        let hash = try await hasher.hash(passphrase + "1")
        #expect(try await !hasher.verify(passphrase + "2", against: hash))
        #expect(try await hasher.verify(passphrase + "1", against: hash))
    }

    @Test func anUnknownAccountNeverMatchesEvenItsPlaceholder() async throws {
        #expect(try await !hasher.verify("a long password", against: nil))
    }
}
