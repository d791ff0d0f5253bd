extension Duration {
    /// The duration in whole milliseconds, as Redis `PX` and PostgreSQL intervals take it.
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
