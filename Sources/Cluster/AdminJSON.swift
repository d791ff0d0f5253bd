import Foundation
import JSONBytes

/// The JSON forms of the cluster's records, as the admin endpoints and the admin stream show them, and the details
/// the transaction log keeps for the stream.
enum AdminJSON {
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func node(_ node: ClusterStore.Node, into writer: inout JSONWriter) {
        writer.object {
            $0.field("id", node.id)
            $0.field("role", node.role)
            $0.field("alive", node.alive)
            $0.field("isLeader", node.isLeader)
            $0.field("killed", node.killed)
            $0.field("host", node.host)
            $0.field("port", node.port)
            $0.field("started_at", timestamp(node.startedAt))
            $0.field("last_heartbeat", timestamp(node.lastHeartbeat))
        }
    }

    static func transaction(_ transaction: ClusterStore.Transaction, into writer: inout JSONWriter) {
        writer.object {
            $0.field("id", Int(transaction.id))
            $0.field("timestamp", timestamp(transaction.timestamp))
            $0.field("nodeId") { writer in
                if let node = transaction.nodeID { writer.integer(node) } else { writer.null() }
            }
            $0.field("actionType", transaction.actionType)
            $0.field("description", transaction.description)
        }
    }

    static func election(_ election: ClusterStore.Election, into writer: inout JSONWriter) {
        writer.object {
            $0.field("id", Int(election.id))
            $0.field("term", Int(election.term))
            $0.field("timestamp", timestamp(election.timestamp))
            $0.field("oldLeaderId") { writer in
                if let old = election.oldLeaderID { writer.integer(old) } else { writer.null() }
            }
            $0.field("newLeaderId", election.newLeaderID)
            $0.field("candidates") { writer in writer.array(election.candidates) { $0.integer($1) } }
            $0.field("reason", election.reason)
        }
    }

    /// The detail of an ELECTION row: its step (`candidate`, `election` or `victory`), and what the stream announces
    /// as the election's start or end.
    static func electionDetail(
        step: String, started: (oldLeaderID: Int?, candidates: [Int])? = nil, ended: ClusterStore.Election? = nil
    ) -> String {
        var writer = JSONWriter()
        writer.object { object in
            object.field("step", step)
            if let started {
                object.field("started") { writer in
                    writer.object {
                        $0.field("oldLeaderId") { writer in
                            if let old = started.oldLeaderID { writer.integer(old) } else { writer.null() }
                        }
                        $0.field("candidates") { writer in writer.array(started.candidates) { $0.integer($1) } }
                    }
                }
            }
            if let ended {
                object.field("ended") { election(ended, into: &$0) }
            }
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
