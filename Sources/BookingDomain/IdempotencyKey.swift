import Crypto
public import Foundation

/// The booking id a retried request must get again: a name-based (version 5) UUID of the user and
/// their `Idempotency-Key`. Deriving it needs no storage and no coordination between write-api
/// instances, and the worker's record of applied command ids turns every retry into a no-op.
public enum IdempotencyKey {
    /// The booking id for `key` sent by `userID`; the same pair always gives the same id.
    public static func bookingID(userID: String, key: String) -> UUID {
        // The user id is length-prefixed so ("ab", "c") and ("a", "bc") name different bookings.
        let name = Array("\(userID.utf8.count):\(userID)|\(key)".utf8)
        var digest = Array(Insecure.SHA1.hash(data: namespace + name))
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
            ))
    }

    /// Seatline's own namespace for version 5 UUIDs.
    private static let namespace: [UInt8] = [
        0x5e, 0xa7, 0x11, 0x4e, 0x2b, 0x6c, 0x4f, 0x1a, 0x9d, 0x3e, 0x0b, 0x7c, 0x61, 0x2f, 0x48, 0xd5,
    ]
}
