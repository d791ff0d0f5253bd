import Testing

@testable import Sync

@Suite("SeatChangeRetention")
struct SeatChangeRetentionTests {
    @Test("only positions noted more than the retention ago may be pruned")
    func prunesAfterRetention() {
        var retention = SeatChangeRetention(retention: .seconds(600), interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(retention.isDue(at: start))
        let marks = [(100, 0), (250, 300), (400, 660), (500, 700), (900, 1300)].map { position, seconds in
            retention.mark(Int64(position), at: start + .seconds(seconds))
        }
        #expect(marks == [nil, nil, 100, nil, 500])
        #expect(!retention.isDue(at: start + .seconds(1330)))
        #expect(retention.isDue(at: start + .seconds(1360)))
    }
}
