import CHiredis

extension RedisValue {
    /// Copies a hiredis reply tree; the caller still owns `reply` and frees it with `freeReplyObject`.
    init(reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS:
            self = .string(Self.text(value))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(value))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] {
                    elements.append(RedisValue(reply: element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        guard let bytes = reply.str else {
            return ""
        }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: reply.len), as: UTF8.self)
    }
}
