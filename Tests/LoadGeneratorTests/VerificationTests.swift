import Testing

@testable import LoadGenerator

/// How the load tool judges answers and the end of a run when some answers left their outcome open.
@Suite struct VerificationTests {
    @Test(
        arguments: [
            (202, nil, CommandAnswer.accepted), (400, "invalid_body", .refused), (409, nil, .refused),
            (503, "unavailable", .notSent), (503, "sales_paused", .notSent), (503, "upstream_lost", .unknown),
            (503, "outcome_unknown", .unknown), (503, "upstream_timeout", .unknown), (500, nil, .unknown),
            (nil, nil, .unknown),
        ] as [(Int?, String?, CommandAnswer)])
    func answersAreClassedByTheContract(status: Int?, code: String?, expected: CommandAnswer) {
        #expect(CommandAnswer(status: status, code: code) == expected)
    }

    @Test func bookedSeatsMayExceedTheSeenConfirmationsByTheUnknownAnswersOnly() {
        func verification(confirmed: Int, unknown: Int, booked: Int, confirmedInWriteDB: Int? = nil) -> Verification {
            Verification(
                confirmedBookings: confirmed, unknownAnswers: unknown, writeBookedSeats: booked,
                writeConfirmedSeats: confirmedInWriteDB ?? booked, readBookedSeats: booked, readBookedCounter: booked,
                doubleBookedSeats: 0, lastDecisionAt: nil)
        }
        #expect(verification(confirmed: 10, unknown: 0, booked: 10).passed)
        #expect(verification(confirmed: 10, unknown: 3, booked: 12).passed)
        #expect(!verification(confirmed: 10, unknown: 3, booked: 14).passed)
        #expect(!verification(confirmed: 10, unknown: 3, booked: 9).passed)
        #expect(!verification(confirmed: 10, unknown: 0, booked: 10, confirmedInWriteDB: 11).passed)
    }
}
