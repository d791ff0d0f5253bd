import NIOCore

/// One HTTP/1.1 response, reduced to what a load run reads.
struct HTTPReply: Sendable {
    let status: UInt
    let body: [UInt8]
    /// False when the server closes the connection after this reply (`Connection: close`, or HTTP/1.0).
    let keepsConnection: Bool
}

/// Cuts HTTP/1.1 responses out of the bytes of one connection as they arrive, in any split.
/// Bodies are framed by `Content-Length` or chunked encoding; a reply framed by the close of the
/// connection is refused, since the gateway never sends one.
struct HTTPReplyParser {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private enum Framing {
        case length(Int)
        case chunked
    }

    private struct Head {
        let status: UInt
        let keepsConnection: Bool
        let framing: Framing
    }

    private static let maximumHeadBytes = 64 * 1024
    private var buffer = ByteBuffer()
    private var head: Head?
    private var chunks: [UInt8] = []

    /// Adds bytes read from the connection.
    mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// The next complete reply, or nil until more bytes arrive.
    mutating func next() throws(Malformed) -> HTTPReply? {
        if head == nil {
            guard let headLength = Self.offset(of: Self.endOfHead, in: buffer) else {
                guard buffer.readableBytes <= Self.maximumHeadBytes else {
                    throw Malformed(description: "reply head longer than \(Self.maximumHeadBytes) bytes")
                }
                return nil
            }
            let headBytes = buffer.readSlice(length: headLength + Self.endOfHead.count)!
            head = try Self.parseHead(headBytes)
        }
        guard let head, let body = try readBody(head.framing) else { return nil }
        self.head = nil
        if buffer.readableBytes == 0 { buffer.clear() }
        return HTTPReply(status: head.status, body: body, keepsConnection: head.keepsConnection)
    }

    private mutating func readBody(_ framing: Framing) throws(Malformed) -> [UInt8]? {
        switch framing {
        case .length(let length):
            return buffer.readBytes(length: length)
        case .chunked:
            // Chunks already read stay in `chunks`, so a body split over many reads is scanned once.
            while let lineLength = Self.offset(of: Self.lineEnd, in: buffer) {
                let line = buffer.getString(at: buffer.readerIndex, length: lineLength) ?? ""
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else {
                    throw Malformed(description: "chunk size \(line.debugDescription)")
                }
                if size == 0 {
                    // The last chunk, then trailers (ignored) up to an empty line: the first blank line from the
                    // end of the size line on.
                    let rest = buffer.getSlice(
                        at: buffer.readerIndex + lineLength, length: buffer.readableBytes - lineLength)!
                    guard let end = Self.offset(of: Self.endOfHead, in: rest) else { return nil }
                    buffer.moveReaderIndex(forwardBy: lineLength + end + Self.endOfHead.count)
                    defer { chunks = [] }
                    return chunks
                }
                let framed = lineLength + Self.lineEnd.count + size + Self.lineEnd.count
                guard buffer.readableBytes >= framed else { return nil }
                buffer.moveReaderIndex(forwardBy: lineLength + Self.lineEnd.count)
                chunks += buffer.readBytes(length: size)!
                guard buffer.readBytes(length: Self.lineEnd.count) == Self.lineEnd else {
                    throw Malformed(description: "chunk of \(size) bytes not followed by CRLF")
                }
            }
            return nil
        }
    }

    private static let lineEnd: [UInt8] = Array("\r\n".utf8)
    private static let endOfHead: [UInt8] = Array("\r\n\r\n".utf8)

    /// Where `needle` starts among the readable bytes of `buffer`, relative to its reader index.
    private static func offset(of needle: [UInt8], in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= needle.count else { return nil }
            var index = 0
            while index <= bytes.count - needle.count {
                if bytes[index] == needle[0], needle.indices.allSatisfy({ bytes[index + $0] == needle[$0] }) {
                    return index
                }
                index += 1
            }
            return nil
        }
    }

    private static func parseHead(_ head: ByteBuffer) throws(Malformed) -> Head {
        var lines = head.readableBytesView.split(separator: UInt8(ascii: "\n")).lazy.map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }.makeIterator()
        guard let statusLine = lines.next(), statusLine.starts(with: "HTTP/1.".utf8), statusLine.count >= 12,
            let status = UInt(String(decoding: statusLine.dropFirst(9).prefix(3), as: UTF8.self))
        else {
            throw Malformed(description: "status line of \(String(buffer: head).prefix(40).debugDescription)")
        }
        var keepsConnection = statusLine.starts(with: "HTTP/1.1".utf8)
        var length: Int?
        var chunked = false
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw Malformed(description: "header line \(String(decoding: line, as: UTF8.self).debugDescription)")
            }
            let name = line[..<colon]
            // Only the three framing headers are decoded; the rest (Date, Server, ETag, ...) are skipped as bytes.
            let value = { String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces.lowercased() }
            if name.equalsIgnoringCase("content-length") {
                let text = value()
                guard let parsed = Int(text), parsed >= 0 else {
                    throw Malformed(description: "Content-Length \(text.debugDescription)")
                }
                length = parsed
            } else if name.equalsIgnoringCase("transfer-encoding") {
                chunked = value().hasSuffix("chunked")
            } else if name.equalsIgnoringCase("connection") {
                let text = value()
                keepsConnection = text == "keep-alive" || (keepsConnection && text != "close")
            }
        }
        if chunked { return Head(status: status, keepsConnection: keepsConnection, framing: .chunked) }
        if let length { return Head(status: status, keepsConnection: keepsConnection, framing: .length(length)) }
        if status == 204 || status == 304 || (100..<200).contains(status) {
            return Head(status: status, keepsConnection: keepsConnection, framing: .length(0))
        }
        throw Malformed(description: "reply \(status) has neither Content-Length nor chunked encoding")
    }
}

extension Collection<UInt8> {
    /// ASCII case-insensitive comparison with a lowercase name.
    fileprivate func equalsIgnoringCase(_ lowercaseName: String) -> Bool {
        count == lowercaseName.utf8.count
            && zip(self, lowercaseName.utf8).allSatisfy { byte, expected in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
            }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
