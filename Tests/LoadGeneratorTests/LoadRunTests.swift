import Foundation
import Identity
import Logging
import SeatlineTestSupport
import Testing

@testable import LoadGenerator

/// Short runs of `seatline load` against the local stack: both pacing modes reach every booking's final
/// status and pass the run's own verification.
@Suite struct LoadRunTests {
    private func options(_ scenario: LoadOptions.Scenario) -> LoadOptions {
        var options = LoadOptions()
        options.scenario = scenario
        options.gatewayURL = LocalStack.gatewayURL
        options.adminToken = LocalStack.adminToken
        options.writeDatabaseURL = LocalStack.writeDatabaseURL
        options.readDatabaseURL = LocalStack.readDatabaseURL
        options.tokenKeys = try? TokenKeys(
            signing: ProcessInfo.processInfo.environment["SEATLINE_TOKEN_SIGNING_KEY"] ?? "")
        return options
    }

    @Test func openLoopRunFollowsBookingsToTheReadSide() async throws {
        var options = options(.spread)
        options.events = 2
        options.seats = 40
        options.requests = 120
        options.rate = 400
        options.concurrency = 8
        options.visibilitySample = 12

        let report = try await LoadRun(options: options, logger: Logger(label: "test.load")).run()

        #expect(report.httpStatuses == ["202": 120])
        #expect(report.finalStatuses.values.reduce(0, +) == 120)
        #expect(report.lost == 0)
        #expect(report.visibleLatency?.count == 12)
        #expect(report.verification?.passed == true)
    }

    @Test func closedLoopFlashSaleSellsEachSeatOnce() async throws {
        var options = options(.flashSale)
        options.seats = 30
        options.hotSeats = 5
        options.concurrency = 16
        options.visibilitySample = 0

        let report = try await LoadRun(options: options, logger: Logger(label: "test.load")).run()

        #expect(report.httpStatuses == ["202": 60])
        #expect(report.finalStatuses["CONFIRMED", default: 0] <= 30)
        #expect(report.finalStatuses.values.reduce(0, +) == 60)
        #expect(report.verification?.passed == true && report.verification?.doubleBookedSeats == 0)
    }
}
