import BookingDomain
import Foundation

@testable import Worker

extension BatchStore {
    /// Applies one command the way the worker does: decided again from a fresh read whenever a
    /// concurrent transaction moved one of its seats first.
    @discardableResult
    func applyRetryingConflicts(_ command: BookingCommand, now: Date) async throws -> Result {
        while true {
            do {
                return try await apply([command], now: now)
            } catch is SeatVersionConflict {
                continue
            }
        }
    }
}
