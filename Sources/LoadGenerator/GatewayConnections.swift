import NIOCore
import NIOPosix
import Synchronization

/// Keep-alive HTTP/1.1 connections to the gateway, all on one event loop, at most `limit` of them with
/// one request in flight on each; requests beyond that wait in arrival order. Leaner per request than a
/// general-purpose client because the load generator shares the machine's cores with the stack it measures.
final class GatewayConnections: Sendable {
    typealias PoolState = GatewayPoolState<PooledChannel, PendingRequest>

    /// A request's bytes and the promise its reply completes.
    struct PendingRequest: Sendable {
        let bytes: ByteBuffer
        let promise: EventLoopPromise<HTTPReply>
    }

    /// A connection as the pool's state sees it: the same channel, compared by identity.
    struct PooledChannel: Equatable, Sendable {
        let channel: any Channel

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.channel === rhs.channel }
    }

    /// No reply arrived within the read timeout; the connection was closed.
    struct ReplyTimedOut: Error, CustomStringConvertible {
        var description: String { "no reply from the gateway within a minute" }
    }

    /// The connection closed before the request's reply arrived.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the gateway closed the connection before replying" }
    }

    let eventLoop: any EventLoop
    private let group: MultiThreadedEventLoopGroup
    private let host: String
    private let port: Int
    private let state: Mutex<PoolState>

    init(host: String, port: Int, limit: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        self.host = host
        self.port = port
        state = Mutex(PoolState(limit: limit))
    }

    /// Sends `request` (a whole HTTP/1.1 request) on the next free connection.
    func execute(_ request: ByteBuffer) -> EventLoopFuture<HTTPReply> {
        let pending = PendingRequest(bytes: request, promise: eventLoop.makePromise())
        perform(state.withLock { $0.submit(pending) })
        return pending.promise.futureResult
    }

    /// Closes every connection.
    func shutdown() async throws {
        try await group.shutdownGracefully()
    }

    /// Called by the connection's handler once a reply came back on a connection that stays open.
    func release(_ channel: any Channel) {
        perform(state.withLock { $0.release(PooledChannel(channel: channel)) })
    }

    /// Called by the connection's handler once the connection closed.
    func closed(_ channel: any Channel) {
        perform(state.withLock { $0.closed(PooledChannel(channel: channel)) })
    }

    private func perform(_ action: PoolState.Action) {
        switch action {
        case .nothing:
            break
        case .send(let request, let pooled):
            // A write the handler never saw (the channel closed first) still fails the request here;
            // completing a promise twice is a no-op in NIO.
            pooled.channel.writeAndFlush(request).whenFailure { request.promise.fail($0) }
        case .connect:
            connect()
        }
    }

    private func connect() {
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connection silent for a minute is closed, failing the request it carries (the old
                    // client's read timeout): a run never waits forever on a server that stopped answering.
                    try channel.pipeline.syncOperations.addHandlers(
                        IdleStateHandler(readTimeout: .seconds(60)), ReplyHandler(connections: self))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.release(channel)
                case .failure(let error):
                    let (failed, reconnect) = self.state.withLock { $0.connectFailed() }
                    failed?.promise.fail(error)
                    if reconnect { self.connect() }
                }
            }
    }
}
