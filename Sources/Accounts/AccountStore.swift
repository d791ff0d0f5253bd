import Foundation
import Identity
import Postgres

/// An account as stored.
struct Account: Sendable {
    let userID: String
    let email: String
    let name: String
    let role: UserRole
    let passwordHash: String
}

/// The `users` table of the write DB.
struct AccountStore: Sendable {
    let database: PostgresClient

    /// Stores a new account; nil when the email already has one.
    func create(email: String, name: String, passwordHash: String, role: UserRole) async throws -> Account? {
        let userID = UUID().uuidString.lowercased()
        let result = try await database.query(
            """
            INSERT INTO users (user_id, email, name, password_hash, role)
            VALUES (\(userID)::uuid, \(email), \(name), \(passwordHash), \(role.rawValue))
            ON CONFLICT (email) DO NOTHING
            """)
        guard result.rowsAffected == 1 else { return nil }
        return Account(userID: userID, email: email, name: name, role: role, passwordHash: passwordHash)
    }

    /// Makes the account of `email` an administrator with this password and name, creating it if needed.
    func upsertAdministrator(email: String, name: String, passwordHash: String) async throws -> String {
        let result = try await database.query(
            """
            INSERT INTO users (user_id, email, name, password_hash, role)
            VALUES (\(UUID().uuidString.lowercased())::uuid, \(email), \(name), \(passwordHash), 'admin')
            ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, role = 'admin',
                name = CASE WHEN excluded.name = '' THEN users.name ELSE excluded.name END
            RETURNING user_id::text
            """)
        return try result.rows[0].decode(String.self, at: 0)
    }

    func account(email: String) async throws -> Account? {
        try await first(
            database.query(
                "SELECT user_id::text, email, name, role, password_hash FROM users WHERE email = \(email)"))
    }

    func account(userID: String) async throws -> Account? {
        guard let id = UUID(uuidString: userID) else { return nil }
        return try await first(
            database.query("SELECT user_id::text, email, name, role, password_hash FROM users WHERE user_id = \(id)"))
    }

    private func first(_ result: PostgresResult) throws -> Account? {
        guard let row = result.rows.first else { return nil }
        return Account(
            userID: try row.decode(String.self, at: 0), email: try row.decode(String.self, at: 1),
            name: try row.decode(String.self, at: 2),
            role: UserRole(rawValue: try row.decode(String.self, at: 3)) ?? .user,
            passwordHash: try row.decode(String.self, at: 4))
    }
}
