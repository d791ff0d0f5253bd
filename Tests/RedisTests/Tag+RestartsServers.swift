import Testing

extension Tag {
    /// Tests that restart a server of the local stack; run them apart from everything else.
    @Tag static var restartsServers: Self
}
