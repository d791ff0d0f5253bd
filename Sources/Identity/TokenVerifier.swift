public import Foundation
import JSONBytes
import JWTKit
import Synchronization

/// Verifies access tokens locally, with no database or network round trip: the header must say HS256
/// with a configured `kid`, the signature must hold under that key, `exp` must lie ahead and `iss` must be
/// this deployment's.
///
/// Verified tokens are remembered until they expire, because a buyer sends several commands with one
/// token and the accept path's budget per request is a few microseconds.
public final class TokenVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let keyIDs: Set<String>
    private let issuer: String
    private let now: @Sendable () -> Date
    private let remembered: Mutex<[String: (identity: VerifiedIdentity, expiry: Date)]>

    /// Past this many remembered tokens the memory is emptied and refills with the tokens in use.
    static let rememberedLimit = 50_000

    /// A verifier accepting tokens signed with any of `keys` by `issuer`.
    public init(keys: TokenKeys, issuer: String, now: @escaping @Sendable () -> Date = Date.init) async {
        self.keys = await keys.collection()
        keyIDs = Set(keys.all.map(\.id))
        self.issuer = issuer
        self.now = now
        remembered = Mutex([:])
    }

    /// The identity `token` proves, or why it proves none.
    public func verify(_ token: String) async throws(IdentityError) -> VerifiedIdentity {
        let instant = now()
        if let known = remembered.withLock({ $0[token] }) {
            guard instant < known.expiry else { throw IdentityError(.expired, "the token has expired") }
            return known.identity
        }
        try checkHeader(of: token)
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch let error as JWTError {
            throw Self.refusal(for: error)
        } catch {
            throw IdentityError(.invalidClaims, "the token's claims cannot be read")
        }
        guard claims.iss.value == issuer else {
            throw IdentityError(.wrongIssuer, "the token was not issued by this deployment")
        }
        guard instant < claims.exp.value else { throw IdentityError(.expired, "the token has expired") }
        guard !claims.sub.value.isEmpty else { throw IdentityError(.invalidClaims, "the token names no subject") }
        let identity = VerifiedIdentity(userID: claims.sub.value, role: claims.role)
        remembered.withLock { memory in
            if memory.count >= Self.rememberedLimit { memory.removeAll(keepingCapacity: true) }
            memory[token] = (identity, claims.exp.value)
        }
        return identity
    }

    /// jwt-kit checks the signature with the key the `kid` names whatever `alg` says; refusing every
    /// algorithm but HS256 up front keeps `none` and public-key confusions out by construction.
    private func checkHeader(of token: String) throws(IdentityError) {
        guard let headerPart = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).first,
            token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2,
            let headerBytes = Base64URL.decode(headerPart),
            case .object(let header) = try? JSONValue(parsing: headerBytes)
        else { throw IdentityError(.malformedToken, "the token is not a signed JWT") }
        guard case .string("HS256") = header["alg"] else {
            throw IdentityError(.unacceptableHeader, "the token must be signed with HS256")
        }
        guard case .string(let kid) = header["kid"], keyIDs.contains(kid) else {
            throw IdentityError(.unacceptableHeader, "the token's key id is not one of this deployment's")
        }
    }

    private static func refusal(for error: JWTError) -> IdentityError {
        switch error.errorType {
        case .signatureVerificationFailed: IdentityError(.badSignature, "the token's signature does not hold")
        case .malformedToken: IdentityError(.malformedToken, "the token is not a signed JWT")
        default: IdentityError(.invalidClaims, "the token's claims cannot be read")
        }
    }
}

/// Base64url without padding, as JWT parts are written. Decoded by hand: going through Foundation (replacing `-` and
/// `_`, padding, `Data(base64Encoded:)`) was 2.3% of write-api's CPU in the accept benchmark, for a header of 40 bytes.
enum Base64URL {
    static func decode(_ part: Substring.UTF8View.SubSequence) -> [UInt8]? {
        guard part.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(part.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in part {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // The bits left over are padding and must be zero, or two texts would decode alike.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return bytes
    }

    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
