/// Why a token or a key configuration was refused. The description never carries a token or a secret.
public struct IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of refusal.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        /// The token is not three base64url parts with a JSON header and payload.
        public static let malformedToken = Code(name: "malformed_token")
        /// The header names an algorithm other than HS256, or no or an unknown key id.
        public static let unacceptableHeader = Code(name: "unacceptable_header")
        /// The signature does not match any configured key.
        public static let badSignature = Code(name: "bad_signature")
        /// `exp` has passed.
        public static let expired = Code(name: "expired")
        /// `iss` is not this deployment's issuer.
        public static let wrongIssuer = Code(name: "wrong_issuer")
        /// The claims are missing or mistyped.
        public static let invalidClaims = Code(name: "invalid_claims")
        /// A configured key cannot be used.
        public static let invalidKeyConfiguration = Code(name: "invalid_key_configuration")

        /// The code's name.
        public var description: String { name }
    }

    /// The kind of refusal.
    public let code: Code
    /// What went wrong, for logs.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Code and message.
    public var description: String { "\(code): \(message)" }
}
