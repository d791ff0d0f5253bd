import Redis
import Testing

@Suite("RedisConfiguration URL parsing")
struct RedisConfigurationTests {
    @Test(
        "Valid URLs",
        arguments: [
            ("redis://127.0.0.1:56379", "127.0.0.1", 56379),
            ("redis://cache.internal", "cache.internal", 6379),
            ("redis://localhost:6380/", "localhost", 6380),
            ("REDIS://[::1]:7000", "::1", 7000),
        ])
    func parsesValidURL(url: String, host: String, port: Int) throws {
        let configuration = try RedisConfiguration(url: url)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration.connectionCount == 4)
    }

    @Test(
        "Invalid URLs throw .invalidURL without echoing the URL",
        arguments: [
            "http://127.0.0.1:6379", "redis://", "redis://:6379", "redis://host:0", "redis://host:port",
            "redis://:s3cret@host:6379", "redis://host:6379/2", "redis://[::1", "redis://[::1]x",
        ])
    func rejectsInvalidURL(url: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.description.contains(url) == false)
        #expect(error?.description.contains("s3cret") == false)
    }
}
