import NIOCore

/// What a live-stream subscriber receives.
enum SeatStreamMessage: Sendable {
    /// A seat change, at its `seat_changes` position, already framed.
    case change(position: Int64, frame: ByteBuffer)
    /// Time for a heartbeat comment.
    case heartbeat
}
