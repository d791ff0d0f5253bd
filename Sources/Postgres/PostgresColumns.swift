/// The column names of a result, shared by all its rows, with a name-to-position index.
struct PostgresColumns: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        // The first column of a given name wins, as in `SELECT a.id, b.id`.
        self.positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func position(of name: String) -> Int? {
        positions[name]
    }
}
