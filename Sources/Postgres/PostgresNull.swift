/// Produces the nil of an optional type known only as a generic parameter.
enum PostgresNull {
    /// `nil` as a `T` when `T` is an `Optional`, otherwise nil (no NULL representation).
    static func value<T>(of type: T.Type) -> T? {
        guard let optional = type as? any ExpressibleByNilLiteral.Type else { return nil }
        return optional.init(nilLiteral: ()) as? T
    }
}
