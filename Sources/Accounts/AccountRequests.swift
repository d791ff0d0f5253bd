import BookingDomain
import Foundation
import JSONBytes

/// A registration as `POST /api/users` accepts it.
struct Registration: Sendable {
    let email: String
    let password: String
    let name: String
}

/// What `POST /api/sessions` accepts.
struct Credentials: Sendable {
    let email: String
    let password: String
}

/// Reads registration and log-in bodies, refusing malformed ones with a precise 400.
enum AccountRequests {
    /// Passwords shorter than this are refused at registration.
    static let minimumPasswordLength = 10
    /// Room for any passphrase; bcrypt's 72-byte limit does not apply, see `PasswordHasher`.
    static let maximumPasswordLength = 256
    static let maximumNameLength = 200

    static func registration(_ body: [UInt8]) throws(ValidationError) -> Registration {
        let object = try RequestValidator.jsonObject(body, allowed: ["email", "password", "name"])
        let name: String
        switch object["name"] {
        case .string(let value): name = value
        case nil: name = ""
        default: throw ValidationError(code: "invalid_field", message: "name must be a string")
        }
        return try registration(
            email: try string(object, "email"), password: try string(object, "password"), name: name)
    }

    /// A registration from its three fields, however they arrived (a body, `seatline accounts create-admin`).
    /// Lengths count Unicode scalars, as JSON Schema's `minLength` and `maxLength` in the API document do.
    static func registration(email: String, password: String, name: String) throws(ValidationError) -> Registration {
        guard password.unicodeScalars.count >= minimumPasswordLength else {
            throw ValidationError(
                code: "weak_password", message: "password must have at least \(minimumPasswordLength) characters")
        }
        guard password.unicodeScalars.count <= maximumPasswordLength else {
            throw ValidationError(
                code: "invalid_field", message: "password may have at most \(maximumPasswordLength) characters")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard name.unicodeScalars.count <= maximumNameLength,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ValidationError(
                code: "invalid_field",
                message: "name may have at most \(maximumNameLength) characters, none of them control characters")
        }
        return Registration(email: try emailAddress(email), password: password, name: name)
    }

    static func credentials(_ body: [UInt8]) throws(ValidationError) -> Credentials {
        let object = try RequestValidator.jsonObject(body, allowed: ["email", "password"])
        // A malformed email simply matches no account: the same 401 as any other miss.
        let email = normalized(try string(object, "email"))
        return Credentials(email: email, password: try string(object, "password"))
    }

    /// Trimmed and in lower case, so `Ann@Example.org ` and `ann@example.org` are one account.
    static func normalized(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    private static func emailAddress(_ text: String) throws(ValidationError) -> String {
        let email = normalized(text)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let isValid =
            email.unicodeScalars.count <= 254 && parts.count == 2 && (1...64).contains(parts[0].unicodeScalars.count)
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).count >= 2
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty }
            && !email.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }
        guard isValid else {
            throw ValidationError(code: "invalid_email", message: "email must be an address such as ann@example.org")
        }
        return email
    }

    private static func string(_ object: [String: JSONValue], _ field: String) throws(ValidationError) -> String {
        switch object[field] {
        case .string(let value) where !value.isEmpty: return value
        case nil: throw ValidationError(code: "missing_field", message: "\(field) is required")
        default: throw ValidationError(code: "invalid_field", message: "\(field) must be a non-empty string")
        }
    }
}
