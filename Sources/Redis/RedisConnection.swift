import CHiredis
import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pooled hiredis connection, opened lazily and reopened after the socket breaks.
///
/// `@unchecked Sendable`: `context` is only touched on `queue`, a serial queue, and in `deinit`, which runs after
/// the last queued block (each holds a strong reference) has finished.
final class RedisConnection: @unchecked Sendable {
    private typealias Context = UnsafeMutablePointer<redisContext>

    private let queue: DispatchQueue
    private let configuration: RedisConfiguration
    private let logger: Logger
    /// Owned by this connection: freed with `redisFree` by `disconnect()` or `deinit`.
    private var context: Context?

    init(index: Int, configuration: RedisConfiguration, logger: Logger) {
        self.queue = DispatchQueue(label: "seatline.redis.connection.\(index)")
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "redis.connection"] = "\(index)"
        self.logger = logger
    }

    deinit {
        if let context {
            redisFree(context)
        }
    }

    /// Sends `commands` in one write and reads one reply each, on this connection's queue.
    func execute(_ commands: [[String]]) async -> Result<[RedisValue], RedisError> {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: BrokenPipeSignal.suppressed { self.executeOnQueue(commands) })
            }
        }
    }

    /// Frees the hiredis context once the work already queued has finished.
    func close() {
        queue.async {
            self.disconnect()
        }
    }

    private enum Attempt {
        case replies([RedisValue])
        /// `retryable`: the socket broke before any reply of this attempt arrived, so nothing is known to have run.
        case failed(RedisError, retryable: Bool)
    }

    private func executeOnQueue(_ commands: [[String]]) -> Result<[RedisValue], RedisError> {
        if let context, isIdleAndOpen(context) {
            switch attempt(commands, on: context) {
            case .replies(let replies):
                return .success(replies)
            case .failed(let error, let retryable):
                disconnect()
                guard retryable else {
                    return .failure(error)
                }
                logger.notice("Redis connection broke; reconnecting to retry once", metadata: ["error": "\(error)"])
            }
        } else {
            // Closed by Redis while idle (e.g. a restart): reopen before sending rather than after failing.
            disconnect()
        }
        return connectAndAttempt(commands)
    }

    /// Opens a fresh connection and runs `commands` once: a fresh connection that breaks at once would break again.
    private func connectAndAttempt(_ commands: [[String]]) -> Result<[RedisValue], RedisError> {
        let context: Context
        switch connect() {
        case .success(let opened): context = opened
        case .failure(let error): return .failure(error)
        }
        switch attempt(commands, on: context) {
        case .replies(let replies):
            return .success(replies)
        case .failed(let error, _):
            disconnect()
            return .failure(error)
        }
    }

    private func connect() -> Result<Context, RedisError> {
        let endpoint = "\(configuration.host):\(configuration.port)"
        let opened = configuration.host.withCString { host in
            redisConnectWithTimeout(host, Int32(clamping: configuration.port), timeval(configuration.connectTimeout))
        }
        guard let opened else {
            return .failure(RedisError(.connectionFailed, "hiredis could not allocate a connection to \(endpoint)"))
        }
        guard opened.pointee.err == 0 else {
            let error = RedisError(
                .connectionFailed, "cannot connect to \(endpoint): \(Self.errorText(of: opened))",
                underlyingCode: Self.errorName(opened.pointee.err))
            redisFree(opened)
            return .failure(error)
        }
        guard redisSetTimeout(opened, timeval(configuration.commandTimeout)) == REDIS_OK else {
            let error = RedisError(
                .connectionFailed, "cannot set the command timeout on \(endpoint): \(Self.errorText(of: opened))",
                underlyingCode: Self.errorName(opened.pointee.err))
            redisFree(opened)
            return .failure(error)
        }
        context = opened
        logger.debug("Connected to Redis", metadata: ["redis.endpoint": "\(endpoint)"])
        return .success(opened)
    }

    private func disconnect() {
        if let context {
            redisFree(context)
            self.context = nil
        }
    }

    /// No reply is outstanding on an idle connection, so anything readable means EOF, a reset, or garbage.
    private func isIdleAndOpen(_ context: Context) -> Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    private func attempt(_ commands: [[String]], on context: Context) -> Attempt {
        for command in commands {
            guard append(command, to: context) else {
                return .failed(RedisError(.connectionFailed, "hiredis could not buffer a command"), retryable: false)
            }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            let status = redisGetReply(context, &reply)
            // Read before anything else can overwrite it: EAGAIN is how SO_RCVTIMEO/SO_SNDTIMEO expire.
            let systemError = errno
            guard status == REDIS_OK, let reply else {
                return failure(of: context, systemError: systemError, repliesReceived: replies.count)
            }
            // hiredis allocated the reply tree; it is copied into Swift values and freed here.
            replies.append(RedisValue(reply: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return .replies(replies)
    }

    private func append(_ command: [String], to context: Context) -> Bool {
        var bytes: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(command.count)
        for argument in command {
            bytes.append(contentsOf: argument.utf8)
            lengths.append(argument.utf8.count)
        }
        // A trailing byte keeps the buffer's base address non-nil even when every argument is empty.
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var offset = 0
            var arguments: [UnsafePointer<CChar>?] = lengths.map { length in
                defer { offset += length }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            // Borrowed for the call only: hiredis copies the arguments, by length, into its own output buffer.
            return redisAppendCommandArgv(context, Int32(command.count), &arguments, lengths) == REDIS_OK
        }
    }

    private func failure(of context: Context, systemError: Int32, repliesReceived: Int) -> Attempt {
        let code = context.pointee.err
        let name = Self.errorName(code)
        let text = Self.errorText(of: context)
        switch code {
        case REDIS_ERR_IO where systemError == EAGAIN || systemError == EWOULDBLOCK:
            let error = RedisError(.timeout, "no reply within the command timeout", underlyingCode: name)
            return .failed(error, retryable: false)
        case REDIS_ERR_IO, REDIS_ERR_EOF:
            let error = RedisError(.connectionFailed, "the connection broke: \(text)", underlyingCode: name)
            return .failed(error, retryable: repliesReceived == 0)
        case REDIS_ERR_PROTOCOL:
            return .failed(RedisError(.protocolError, text, underlyingCode: name), retryable: false)
        default:
            return .failed(RedisError(.connectionFailed, text, underlyingCode: name), retryable: false)
        }
    }

    private static func errorText(of context: Context) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func errorName(_ code: Int32) -> String {
        switch code {
        case REDIS_ERR_IO: "REDIS_ERR_IO"
        case REDIS_ERR_EOF: "REDIS_ERR_EOF"
        case REDIS_ERR_PROTOCOL: "REDIS_ERR_PROTOCOL"
        case REDIS_ERR_OOM: "REDIS_ERR_OOM"
        default: "REDIS_ERR_OTHER"
        }
    }
}

extension timeval {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: .init(seconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
    }
}
