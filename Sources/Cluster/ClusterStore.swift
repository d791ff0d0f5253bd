public import Foundation
public import Postgres
import SeatlineRuntime

/// The cluster's tables in the write DB: nodes and their heartbeats, the leader's term, the election history, the
/// transaction log and the sales switch.
public struct ClusterStore: Sendable {
    /// A node as the write DB knows it.
    public struct Node: Sendable, Equatable {
        /// Its id.
        public var id: Int
        /// Its role (`worker`, `write-api`, …).
        public var role: String
        /// Where its operational HTTP port answers.
        public var host: String
        /// Its operational HTTP port.
        public var port: Int
        /// When it last started.
        public var startedAt: Date
        /// Its last heartbeat.
        public var lastHeartbeat: Date
        /// Whether an admin killed it.
        public var killed: Bool
        /// Whether its heartbeat is fresh and it is not killed.
        public var alive: Bool
        /// Whether it won the current term.
        public var isLeader: Bool

        /// Whether `other` differs from this node in no more than its last heartbeat.
        func showsTheSame(as other: Node) -> Bool {
            var other = other
            other.lastHeartbeat = lastHeartbeat
            return self == other
        }
    }

    /// One row of the transaction log.
    public struct Transaction: Sendable {
        /// Its id, increasing with time.
        public var id: Int64
        /// When it was written.
        public var timestamp: Date
        /// The node that acted, if any.
        public var nodeID: Int?
        /// `LOCK`, `BUY`, `HOLD`, `CONFIRM`, `RELEASE`, `REJECT`, `ELECTION`, `KILL` or `REVIVE`.
        public var actionType: String
        /// What happened, for a person.
        public var description: String
    }

    /// A row of the transaction log as the admin stream follows it: its position, and the parts of its detail the
    /// stream's other events are made of, each as JSON text.
    public struct StreamedTransaction: Sendable {
        /// Where it is in commit-safe order.
        public var cursor: Cursor
        /// The row.
        public var transaction: Transaction
        /// `{"eventId","seatIds","status","bookingId"}` of a booking effect.
        public var seat: String?
        /// `{"oldLeaderId","candidates"}` when an election started with this row.
        public var started: String?
        /// The election step this row is (`candidate`, `election` or `victory`).
        public var step: String?
        /// The election record when an election ended with this row.
        public var ended: String?
    }

    /// One election's outcome.
    public struct Election: Sendable {
        /// Its id.
        public var id: Int64
        /// The term it gave.
        public var term: Int64
        /// When it ended.
        public var timestamp: Date
        /// The leader before, if any.
        public var oldLeaderID: Int?
        /// The winner.
        public var newLeaderID: Int
        /// The nodes that stood.
        public var candidates: [Int]
        /// Why it was called.
        public var reason: String
    }

    /// A position in the transaction log, as the admin stream follows it.
    public struct Cursor: Sendable, Equatable {
        /// The transaction id of the writing transaction.
        public var xid: Int64
        /// The row's id.
        public var id: Int64

        /// The position `xid:id`, as an SSE id.
        public var text: String { "\(xid):\(id)" }

        /// Reads `xid:id`; both are never negative (a transaction id is an unsigned `xid8`).
        public init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let xid = Int64(parts[0]), let id = Int64(parts[1]), xid >= 0, id >= 0 else {
                return nil
            }
            self.init(xid: xid, id: id)
        }

        init(xid: Int64, id: Int64) {
            self.xid = xid
            self.id = id
        }
    }

    let database: PostgresClient

    /// A store on the write DB.
    public init(database: PostgresClient) {
        self.database = database
    }

    /// Registers a starting node and returns its id: the id it had before at this role, host and port, or a new one.
    public func register(role: String, host: String, port: Int) async throws -> Int {
        try await database.query(
            """
            INSERT INTO cluster_nodes (role, host, port, started_at, last_heartbeat)
            VALUES (\(role), \(host), \(port), now(), now())
            ON CONFLICT (role, host, port) DO UPDATE SET started_at = now(), last_heartbeat = now(), killed = false
            RETURNING node_id
            """
        ).rows[0].decode(Int.self, at: 0)
    }

    /// Marks `nodeID` as alive now.
    public func heartbeat(_ nodeID: Int) async throws {
        _ = try await database.query("UPDATE cluster_nodes SET last_heartbeat = now() WHERE node_id = \(nodeID)")
    }

    /// Records that `nodeID` was killed or revived, in its row and in the transaction log.
    public func setKilled(_ nodeID: Int, _ killed: Bool, description: String) async throws {
        try await database.withTransaction { connection in
            _ = try await connection.query(
                "UPDATE cluster_nodes SET killed = \(killed), last_heartbeat = now() WHERE node_id = \(nodeID)")
            _ = try await connection.query(
                """
                INSERT INTO cluster_transactions (node_id, action_type, description)
                VALUES (\(nodeID), \(killed ? "KILL" : "REVIVE"), \(description))
                """)
        }
    }

    /// Every node, each with `alive` judged by `timeout` against the write DB's clock.
    public func nodes(timeout: Duration) async throws -> [Node] {
        try await database.query(
            """
            SELECT n.node_id, n.role, n.host, n.port, n.started_at, n.last_heartbeat, n.killed,
                   NOT n.killed AND n.last_heartbeat > now() - \(timeout.milliseconds) * interval '1 millisecond',
                   n.node_id IS NOT DISTINCT FROM l.leader_id
            FROM cluster_nodes n CROSS JOIN leadership l
            ORDER BY n.node_id
            """
        ).map { row in
            Node(
                id: try row.decode(Int.self, at: 0), role: try row.decode(String.self, at: 1),
                host: try row.decode(String.self, at: 2), port: try row.decode(Int.self, at: 3),
                startedAt: try row.decode(Date.self, at: 4), lastHeartbeat: try row.decode(Date.self, at: 5),
                killed: try row.decode(Bool.self, at: 6), alive: try row.decode(Bool.self, at: 7),
                isLeader: try row.decode(Bool.self, at: 8))
        }
    }

    /// The current term and its leader; nil before the first election.
    public func leadership() async throws -> BullyElection.Leadership? {
        let row = try await database.query("SELECT leader_id, term FROM leadership").rows[0]
        guard let leader = try row.decodeIfPresent(Int.self, at: 0) else { return nil }
        return .init(leaderID: leader, term: try row.decode(Int64.self, at: 1))
    }

    /// Takes the term after `previousTerm` for `nodeID` if nobody took it first, and records the election in the same
    /// transaction; returns the new term, or nil when the term had moved on.
    public func claimTerm(
        after previousTerm: Int64, nodeID: Int, candidates: [Int], reason: String
    ) async throws -> Int64? {
        try await database.withTransaction { connection in
            let previous = try await connection.query("SELECT leader_id FROM leadership FOR UPDATE").rows[0]
                .decodeIfPresent(Int.self, at: 0)
            let rows = try await connection.query(
                """
                UPDATE leadership SET term = term + 1, leader_id = \(nodeID), elected_at = now()
                WHERE term = \(previousTerm) RETURNING term
                """
            ).rows
            guard let term = try rows.first?.decode(Int64.self, at: 0) else { return nil }
            let election = try await connection.query(
                """
                INSERT INTO elections (term, old_leader_id, new_leader_id, candidates, reason)
                VALUES (\(term), \(previous), \(nodeID), \(candidates)::integer[], \(reason))
                RETURNING election_id, at
                """
            ).rows[0]
            let record = Election(
                id: try election.decode(Int64.self, at: 0), term: term,
                timestamp: try election.decode(Date.self, at: 1),
                oldLeaderID: previous, newLeaderID: nodeID, candidates: candidates, reason: reason)
            _ = try await connection.query(
                """
                INSERT INTO cluster_transactions (node_id, action_type, description, detail)
                VALUES (\(nodeID), 'ELECTION', \("node \(nodeID) won the election and leads term \(term)"),
                        \(AdminJSON.electionDetail(step: "victory", ended: record))::jsonb)
                """)
            return term
        }
    }

    /// Appends rows to the transaction log for `nodeID`.
    public func log(
        _ nodeID: Int, _ actionType: String, _ description: String, detail: [UInt8]? = nil
    ) async throws {
        _ = try await database.query(
            """
            INSERT INTO cluster_transactions (node_id, action_type, description, detail)
            VALUES (\(nodeID), \(actionType), \(description), \(detail.map { String(decoding: $0, as: UTF8.self) })::jsonb)
            """)
    }

    /// The newest `limit` rows of the transaction log, newest first, older than `before` when given.
    public func transactions(limit: Int, before: Int64? = nil) async throws -> [Transaction] {
        try await database.query(
            """
            SELECT transaction_id, at, node_id, action_type, description FROM cluster_transactions
            WHERE transaction_id < \(before ?? Int64.max) ORDER BY transaction_id DESC LIMIT \(limit)
            """
        ).map(Self.transaction)
    }

    /// Rows after `cursor` (all there are when nil) in commit-safe order, up to `limit`, with their cursors. Only rows
    /// of transactions older than every running one are read, so none that commits later can fall behind the cursor.
    public func transactions(after cursor: Cursor?, limit: Int) async throws -> [StreamedTransaction] {
        try await database.query(
            """
            SELECT xid::text::bigint, transaction_id, at, node_id, action_type, description, detail->'seat',
                   detail->'started', detail->>'step', detail->'ended'
            FROM cluster_transactions
            WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
              AND (xid, transaction_id) > (\(cursor?.xid ?? 0)::text::xid8, \(cursor?.id ?? 0))
            ORDER BY xid, transaction_id LIMIT \(limit)
            """
        ).map { row in
            let cursor = Cursor(xid: try row.decode(Int64.self, at: 0), id: try row.decode(Int64.self, at: 1))
            return StreamedTransaction(
                cursor: cursor,
                transaction: Transaction(
                    id: cursor.id, timestamp: try row.decode(Date.self, at: 2),
                    nodeID: try row.decodeIfPresent(Int.self, at: 3), actionType: try row.decode(String.self, at: 4),
                    description: try row.decode(String.self, at: 5)),
                seat: try row.decodeIfPresent(String.self, at: 6), started: try row.decodeIfPresent(String.self, at: 7),
                step: try row.decodeIfPresent(String.self, at: 8), ended: try row.decodeIfPresent(String.self, at: 9))
        }
    }

    /// The position of the newest readable row, where a stream that asks for no history starts.
    public func latestCursor() async throws -> Cursor? {
        let row = try await database.query(
            """
            SELECT xid::text::bigint, transaction_id FROM cluster_transactions
            WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid DESC, transaction_id DESC LIMIT 1
            """
        ).rows.first
        guard let row else { return nil }
        return Cursor(xid: try row.decode(Int64.self, at: 0), id: try row.decode(Int64.self, at: 1))
    }

    /// The newest `limit` elections, newest first.
    public func elections(limit: Int) async throws -> [Election] {
        try await database.query(
            """
            SELECT election_id, term, at, old_leader_id, new_leader_id, candidates, reason FROM elections
            ORDER BY election_id DESC LIMIT \(limit)
            """
        ).map { row in
            Election(
                id: try row.decode(Int64.self, at: 0), term: try row.decode(Int64.self, at: 1),
                timestamp: try row.decode(Date.self, at: 2), oldLeaderID: try row.decodeIfPresent(Int.self, at: 3),
                newLeaderID: try row.decode(Int.self, at: 4), candidates: try row.decode([Int].self, at: 5),
                reason: try row.decode(String.self, at: 6))
        }
    }

    /// Whether sales are on.
    public func salesActive() async throws -> Bool {
        try await database.query("SELECT active FROM sales_switch").rows[0].decode(Bool.self, at: 0)
    }

    /// Turns sales on or off.
    public func setSalesActive(_ active: Bool) async throws {
        _ = try await database.query("UPDATE sales_switch SET active = \(active), changed_at = now()")
    }

    private static func transaction(_ row: PostgresRow) throws -> Transaction {
        Transaction(
            id: try row.decode(Int64.self, at: 0), timestamp: try row.decode(Date.self, at: 1),
            nodeID: try row.decodeIfPresent(Int.self, at: 2), actionType: try row.decode(String.self, at: 3),
            description: try row.decode(String.self, at: 4))
    }
}
