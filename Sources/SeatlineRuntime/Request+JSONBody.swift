public import Hummingbird

extension Request {
    /// The body of a JSON request, refused (415, 413) when it is not JSON or larger than `limit` bytes; an
    /// `optional` body may also be absent, and is then empty.
    public func jsonBody(limit: Int, optional: Bool = false) async throws(APIError) -> [UInt8] {
        let isJSON =
            headers[.contentType]?.lowercased().split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces) == "application/json"
        if !optional || headers[.contentType] != nil, !isJSON {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type", message: "Content-Type must be application/json")
        }
        let bytes: [UInt8]
        do {
            var buffer = try await body.collect(upTo: limit)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw APIError(
                .contentTooLarge, code: "payload_too_large", message: "the body is larger than \(limit) bytes")
        }
        guard isJSON || bytes.isEmpty else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type", message: "a body must be application/json")
        }
        return bytes
    }
}
