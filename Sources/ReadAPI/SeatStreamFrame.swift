import JSONBytes
import NIOCore
import SeatlineRuntime

/// Server-Sent Events framing of the live seat stream.
enum SeatStreamFrame {
    /// Sent first, so a client (and any proxy) sees the stream open at once.
    static let connected = ByteBuffer(string: ": connected\n\n")
    /// Sent every heartbeat interval, so idle connections stay open and dead ones are noticed.
    static let heartbeat = ByteBuffer(string: ": heartbeat\n\n")

    /// `event: seat_update`, `id: <position>`, `data: {"event_id","seat_id","status","user_id","held_until"}`;
    /// `user_id` is always null: the stream is public, like the seat map.
    static func seatUpdate(
        position: Int64, eventID: String, seatID: String, status: String, heldUntil: String?
    ) -> ByteBuffer {
        var writer = JSONWriter(capacity: 160)
        writer.object { fields in
            fields.field("event_id", eventID)
            fields.field("seat_id", seatID)
            fields.field("status", status)
            fields.field("user_id", nil)
            fields.field("held_until", heldUntil)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(writer.bytes.count + 48)
        buffer.writeString("event: seat_update\nid: \(position)\ndata: ")
        buffer.writeBytes(writer.bytes)
        buffer.writeString("\n\n")
        return buffer
    }
}
