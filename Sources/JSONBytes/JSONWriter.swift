/// Writes JSON straight into bytes. The read side renders seat maps of thousands of seats on every
/// miss, and Foundation's encoder would spend most of that time in reflection.
public struct JSONWriter: Sendable {
    /// What has been written.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Writes `{ ... }`, with fields written by `body`.
    public mutating func object(_ body: (inout ObjectWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        // The bytes move to the object's writer and back, never shared: a second reference to the buffer, even a
        // dead one kept to the end of the scope as in debug builds, makes the next append copy all of it, and a
        // 100,000-seat map then took seconds to render.
        var object = ObjectWriter(writer: JSONWriter(capacity: 0))
        swap(&bytes, &object.writer.bytes)
        body(&object)
        swap(&bytes, &object.writer.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes `[ ... ]` with one element per item, each written by `body`.
    public mutating func array<Items: Sequence>(_ items: Items, _ body: (inout JSONWriter, Items.Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            body(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a string, escaped.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes a whole number.
    public mutating func integer(_ value: some BinaryInteger) {
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    /// Writes a number in its shortest form that reads back as the same `Double`.
    public mutating func number(_ value: Double) {
        bytes.append(contentsOf: Array(value.description.utf8))
    }

    /// Writes `true` or `false`.
    public mutating func boolean(_ value: Bool) {
        bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
    }

    /// Writes `null`.
    public mutating func null() {
        bytes.append(contentsOf: Array("null".utf8))
    }

    /// Writes the fields of one object.
    public struct ObjectWriter {
        fileprivate var writer: JSONWriter
        private var first = true

        fileprivate init(writer: JSONWriter) {
            self.writer = writer
        }

        /// `"name": "value"`, or `null` for nil.
        public mutating func field(_ name: String, _ value: String?) {
            key(name)
            if let value { writer.string(value) } else { writer.null() }
        }

        /// `"name": 42`.
        public mutating func field(_ name: String, _ value: Int) {
            key(name)
            writer.integer(value)
        }

        /// `"name": true`.
        public mutating func field(_ name: String, _ value: Bool) {
            key(name)
            writer.boolean(value)
        }

        /// `"name": 1.5`.
        public mutating func field(_ name: String, _ value: Double) {
            key(name)
            writer.number(value)
        }

        /// `"name": <whatever body writes>`.
        public mutating func field(_ name: String, _ body: (inout JSONWriter) -> Void) {
            key(name)
            body(&writer)
        }

        private mutating func key(_ name: String) {
            if !first { writer.bytes.append(UInt8(ascii: ",")) }
            first = false
            writer.string(name)
            writer.bytes.append(UInt8(ascii: ":"))
        }
    }
}
