import Testing

@testable import Kafka

/// The producer's lifecycle without a broker.
@Suite("Producer state machine")
struct ProducerStateMachineTests {
    @Test("the poll loop starts once and work stops being accepted when shutdown begins")
    func lifecycle() {
        var machine = ProducerStateMachine()
        #expect(machine.acceptsWork && !machine.keepsPolling)
        let firstRun = machine.run()
        let secondRun = machine.run()
        #expect(firstRun == .startPollLoop && secondRun == .none)
        #expect(machine.acceptsWork && machine.keepsPolling)

        let firstShutdown = machine.shutdown()
        let secondShutdown = machine.shutdown()
        #expect(firstShutdown == .none && secondShutdown == .none)
        #expect(!machine.acceptsWork && !machine.keepsPolling)
        let waiters = machine.finish()
        #expect(waiters.isEmpty && machine.phase == .finished)
    }

    @Test("shutdown before run starts the loop itself, so queued messages are still flushed")
    func shutdownWithoutRun() {
        var machine = ProducerStateMachine()
        let shutdown = machine.shutdown()
        let run = machine.run()
        #expect(shutdown == .startPollLoop && run == .none && machine.phase == .draining)
    }
}
