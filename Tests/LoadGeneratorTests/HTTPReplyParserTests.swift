import NIOCore
import Testing

@testable import LoadGenerator

@Suite struct HTTPReplyParserTests {
    private let accepted =
        "HTTP/1.1 202 Accepted\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
        + "Location: /api/bookings/1\r\n\r\n{\"bookingId\":\"1\"}"

    /// Feeds `text` in pieces of `piece` bytes and collects every reply.
    private func replies(_ text: String, piece: Int) throws -> [HTTPReply] {
        var parser = HTTPReplyParser()
        var replies: [HTTPReply] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: piece) {
            parser.append(ByteBuffer(bytes: bytes[start..<min(start + piece, bytes.count)]))
            while let reply = try parser.next() { replies.append(reply) }
        }
        return replies
    }

    @Test(arguments: [1, 7, 4096])
    func readsRepliesInAnySplit(piece: Int) throws {
        let chunked =
            "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
        let withTrailer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Done: yes\r\n\r\n"
        let closing = "HTTP/1.1 429 Too Many Requests\r\nCONNECTION: close\r\ncontent-length: 2\r\n\r\n{}"
        let empty = "HTTP/1.1 204 No Content\r\n\r\n"
        let result = try replies(accepted + chunked + withTrailer + closing + empty, piece: piece)

        #expect(result.map(\.status) == [202, 200, 200, 429, 204])
        #expect(
            result.map { String(decoding: $0.body, as: UTF8.self) } == [
                #"{"bookingId":"1"}"#, "hello, world", "ok", "{}", "",
            ])
        #expect(result.map(\.keepsConnection) == [true, true, true, false, true])
        #expect(try result[0].jsonField("bookingId") == .string("1"))
    }

    @Test func http10ClosesUnlessKeptAlive() throws {
        let result = try replies(
            "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
            piece: 64)
        #expect(result.map(\.keepsConnection) == [false, true])
    }

    @Test func waitsForTheWholeBody() throws {
        var parser = HTTPReplyParser()
        parser.append(ByteBuffer(string: String(accepted.dropLast())))
        #expect(try parser.next() == nil)
        parser.append(ByteBuffer(string: "}"))
        #expect(try parser.next()?.status == 202)
        #expect(try parser.next() == nil)
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX",
    ])
    func refusesMalformedReplies(_ text: String) {
        #expect(throws: HTTPReplyParser.Malformed.self) { _ = try replies(text, piece: 4096) }
    }

    @Test func refusesAnEndlessHead() {
        var parser = HTTPReplyParser()
        parser.append(ByteBuffer(string: "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: y\r\n", count: 8_000)))
        #expect(throws: HTTPReplyParser.Malformed.self) { _ = try parser.next() }
    }
}
