#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// hiredis writes with plain `write(2)`, so a write to a socket Redis has closed raises SIGPIPE, whose default action
/// kills the process. This keeps SIGPIPE away from the calling thread only, as libpq does, instead of ignoring it
/// process-wide behind the application's back.
enum BrokenPipeSignal {
    /// Runs `body` with SIGPIPE blocked on this thread and discards a SIGPIPE that `body` raised.
    static func suppressed<Result>(_ body: () -> Result) -> Result {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        let result = body()
        var pending = sigset_t()
        sigpending(&pending)
        // A SIGPIPE raised by a failed write is directed at this thread, so sigwait returns at once; one that was
        // pending before (blocked by the caller's own mask) is left alone.
        if sigismember(&pending, SIGPIPE) == 1 && sigismember(&previous, SIGPIPE) == 0 {
            var received: Int32 = 0
            sigwait(&pipeOnly, &received)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        return result
    }
}
