import NIOCore

/// Reads replies off one gateway connection and completes, in order, the requests written to it.
final class ReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = GatewayConnections.PendingRequest
    typealias OutboundOut = ByteBuffer

    private let connections: GatewayConnections
    private var parser = HTTPReplyParser()
    private var waiting = CircularBuffer<EventLoopPromise<HTTPReply>>()

    init(connections: GatewayConnections) {
        self.connections = connections
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.promise)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        do {
            while let reply = try parser.next() {
                guard let promise = waiting.popFirst() else {
                    throw HTTPReplyParser.Malformed(description: "a reply to no request")
                }
                // The connection goes back first, so a request sent from the reply's callback can reuse it.
                if reply.keepsConnection {
                    connections.release(context.channel)
                } else {
                    context.close(promise: nil)
                }
                promise.succeed(reply)
            }
        } catch {
            failWaiting(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failWaiting(GatewayConnections.ConnectionClosed())
        connections.closed(context.channel)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        failWaiting(GatewayConnections.ReplyTimedOut())
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failWaiting(error)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}
