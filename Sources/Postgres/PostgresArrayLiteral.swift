/// Formats and parses one-dimensional PostgreSQL array literals in text format, such as `{a,"b c",NULL}`.
enum PostgresArrayLiteral {
    /// `{"e1","e2",NULL}`: every element quoted with `"` and `\` escaped, so any text survives; nil is NULL.
    static func format(_ elements: [String?]) -> String {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(2 + elements.reduce(0) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard let element else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            // UTF-8 never uses these two byte values inside a multi-byte character, so bytes can be escaped one by one.
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }

    /// The elements of a one-dimensional array literal (nil for NULL), or nil when `text` is not one.
    static func parse(_ text: String) -> [String?]? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.parseArray()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        private static let openBrace = UInt8(ascii: "{")
        private static let closeBrace = UInt8(ascii: "}")
        private static let comma = UInt8(ascii: ",")
        private static let quote = UInt8(ascii: "\"")
        private static let backslash = UInt8(ascii: "\\")

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func parseArray() -> [String?]? {
            // Arrays whose lower bound is not 1 start with a dimension decoration: `[0:2]={...}`.
            if current == UInt8(ascii: "[") {
                guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
                index = equals + 1
            }
            skipWhitespace()
            guard current == Self.openBrace else { return nil }
            index += 1
            skipWhitespace()
            var elements: [String?] = []
            if current == Self.closeBrace {
                index += 1
                return atEnd() ? elements : nil
            }
            while true {
                skipWhitespace()
                guard let element = parseElement() else { return nil }
                elements.append(element)
                skipWhitespace()
                switch current {
                case Self.comma:
                    index += 1
                case Self.closeBrace:
                    index += 1
                    return atEnd() ? elements : nil
                default:
                    return nil
                }
            }
        }

        /// One element: `.some(nil)` for NULL, nil for a malformed or nested element.
        private mutating func parseElement() -> String?? {
            switch current {
            case nil, Self.openBrace, Self.comma, Self.closeBrace:
                return nil
            case Self.quote:
                index += 1
                var element: [UInt8] = []
                while let byte = current, byte != Self.quote {
                    if byte == Self.backslash { index += 1 }
                    guard let literal = current else { return nil }
                    element.append(literal)
                    index += 1
                }
                guard current == Self.quote else { return nil }
                index += 1
                return .some(String(decoding: element, as: UTF8.self))
            default:
                var element: [UInt8] = []
                var escaped = false
                var trailingWhitespace = 0
                while let byte = current, byte != Self.comma, byte != Self.closeBrace {
                    if byte == Self.quote || byte == Self.openBrace { return nil }
                    if byte == Self.backslash {
                        index += 1
                        guard let literal = current else { return nil }
                        element.append(literal)
                        escaped = true
                        trailingWhitespace = 0
                    } else {
                        element.append(byte)
                        trailingWhitespace = Self.isWhitespace(byte) ? trailingWhitespace + 1 : 0
                    }
                    index += 1
                }
                element.removeLast(trailingWhitespace)
                let text = String(decoding: element, as: UTF8.self)
                if !escaped && text.uppercased() == "NULL" { return .some(nil) }
                return .some(text)
            }
        }

        private mutating func skipWhitespace() {
            while let byte = current, Self.isWhitespace(byte) { index += 1 }
        }

        private mutating func atEnd() -> Bool {
            skipWhitespace()
            return current == nil
        }

        private static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (0x09...0x0D).contains(byte)
        }
    }
}
