import NIOCore
import Synchronization

/// Issues a run's requests from the connections' event loop: open loop, request `i` at `start + i / rate`
/// whatever the replies do; closed loop, the next request as soon as one of `concurrency` replies is back.
/// No task per request: at thousands of requests per second the load generator's own scheduling would
/// otherwise cost the stack it measures a noticeable share of the machine.
final class RequestPacer: Sendable {
    /// Sends request `index`, planned for `intended`; the future completes once its outcome is recorded.
    typealias Send = @Sendable (_ index: Int, _ intended: ContinuousClock.Instant) -> EventLoopFuture<Void>

    private struct Progress {
        var next = 0
        var finished = 0
    }

    private static let tick = TimeAmount.milliseconds(1)
    private let total: Int
    private let rate: Int?
    private let concurrency: Int
    private let eventLoop: any EventLoop
    private let send: Send
    private let progress = Mutex(Progress())

    init(total: Int, rate: Int?, concurrency: Int, eventLoop: any EventLoop, send: @escaping Send) {
        self.total = total
        self.rate = rate
        self.concurrency = concurrency
        self.eventLoop = eventLoop
        self.send = send
    }

    /// Returns once every request has its outcome.
    func run() async {
        guard total > 0 else { return }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            eventLoop.execute { self.start(done) }
        }
    }

    private func start(_ done: CheckedContinuation<Void, Never>) {
        guard let rate else {
            let first = progress.withLock { progress in
                progress.next = min(concurrency, total)
                return 0..<progress.next
            }
            for index in first { issue(index, intended: .now, done) }
            return
        }
        let start = ContinuousClock.now
        eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: Self.tick) { ticker in
            // Everything due by now goes out; the clock, not the tick count, decides, so late ticks catch up.
            let elapsed = (ContinuousClock.now - start).seconds
            let due = self.progress.withLock { progress in
                let upTo = min(self.total, Int(elapsed * Double(rate)) + 1)
                defer { progress.next = max(progress.next, upTo) }
                return progress.next..<max(progress.next, upTo)
            }
            for index in due {
                self.issue(index, intended: start + .seconds(Double(index) / Double(rate)), done)
            }
            if due.upperBound >= self.total { ticker.cancel() }
        }
    }

    private func issue(_ index: Int, intended: ContinuousClock.Instant, _ done: CheckedContinuation<Void, Never>) {
        send(index, intended).whenComplete { _ in
            let (next, isLast) = self.progress.withLock { progress -> (Int?, Bool) in
                progress.finished += 1
                guard self.rate == nil, progress.next < self.total else {
                    return (nil, progress.finished == self.total)
                }
                defer { progress.next += 1 }
                return (progress.next, false)
            }
            if let next { self.issue(next, intended: .now, done) }
            if isLast { done.resume() }
        }
    }
}
