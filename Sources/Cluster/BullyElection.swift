/// One worker node's side of the Bully algorithm, as a state machine: messages and clock ticks go in, the
/// messages to send and the records to write come out. It does no I/O, so lost and late messages can be tested by
/// not delivering them or delivering them late.
///
/// Bully: a node that finds no leader calls an election by sending ELECTION to every higher node; a higher node
/// that is alive answers OK and calls its own. A node that no higher node answered within `answerTimeout` has won:
/// it takes the next term in the write DB (a compare-and-set, so two winners cannot share a term) and announces it
/// to every node as COORDINATOR. A node that was answered waits `coordinatorTimeout` for that announcement and calls
/// the election again when none comes. A node hearing a lower node announce itself bullies it: it calls an election,
/// which it wins.
public struct BullyElection: Sendable {
    /// A leader and its term.
    public struct Leadership: Sendable, Equatable {
        /// The leading node.
        public var leaderID: Int
        /// Its term.
        public var term: Int64

        /// Creates a leadership.
        public init(leaderID: Int, term: Int64) {
            self.leaderID = leaderID
            self.term = term
        }
    }

    /// What the node does about an election just now.
    public enum Phase: Sendable, Equatable {
        /// No election: following `leadership`, or leading it.
        case steady
        /// Sent ELECTION to the higher nodes; wins if none answers by `deadline`.
        case calling(deadline: ContinuousClock.Instant)
        /// A higher node answered; calls again if no COORDINATOR comes by `deadline`.
        case awaitingCoordinator(deadline: ContinuousClock.Instant)
        /// Asked the write DB for the term after `after`; waits for the answer.
        case claiming(after: Int64)
    }

    /// What the node must do after an input.
    public enum Action: Sendable, Equatable {
        /// Send ELECTION to these nodes.
        case sendElection(to: [Int])
        /// Answer OK to the node that sent ELECTION.
        case answer(to: Int)
        /// Take the term after `after` in the write DB, naming these candidates.
        case claimTerm(after: Int64, candidates: [Int])
        /// Tell these nodes that this node leads `term`.
        case announceVictory(term: Int64, to: [Int])
        /// Record that this node called an election, and why.
        case recordCall(reason: String, oldLeaderID: Int?, candidates: [Int])
        /// Stop the singleton duties: this node no longer leads.
        case stepDown(newLeadership: Leadership?)
    }

    /// This node's id.
    public let nodeID: Int
    /// How long a caller waits for an OK from a higher node.
    public let answerTimeout: Duration
    /// How long an answered caller waits for the COORDINATOR.
    public let coordinatorTimeout: Duration
    /// The leadership this node knows of: the highest term heard.
    public private(set) var leadership: Leadership?
    /// Where the node is in an election.
    public private(set) var phase = Phase.steady
    /// The worker nodes this node may send to, itself excluded, as of the last tick.
    public private(set) var peers: [Int] = []
    /// The term this node won itself. A restarted node finds its own id leading in the write DB, but the term is not
    /// its to resume: it calls an election and wins a new one.
    private var wonTerm: Int64?
    /// When each leader's announcement arrived. The heartbeats this node reads lag up to a round behind, so a leader
    /// that announced itself within `coordinatorTimeout` counts as alive though they do not show it yet (a revived
    /// node wins before the others see its heartbeat again).
    private var announcedAt: [Int: ContinuousClock.Instant] = [:]

    /// A node that knows of no leader yet.
    public init(nodeID: Int, answerTimeout: Duration, coordinatorTimeout: Duration) {
        self.nodeID = nodeID
        self.answerTimeout = answerTimeout
        self.coordinatorTimeout = coordinatorTimeout
    }

    /// Whether this node leads: it won the highest term it knows of.
    public var isLeader: Bool {
        guard let leadership, leadership.leaderID == nodeID, phase == .steady else { return false }
        return leadership.term == wonTerm
    }

    /// The term this node leads, when it does.
    public var leaderTerm: Int64? { isLeader ? leadership?.term : nil }

    /// A heartbeat round: the live worker nodes and the leadership the write DB holds. Calls an election when
    /// nobody alive leads, and moves an election on whose deadline has passed.
    public mutating func tick(now: ContinuousClock.Instant, alivePeers: [Int], stored: Leadership?) -> [Action] {
        peers = alivePeers.filter { $0 != nodeID }.sorted()
        var actions = adopt(stored)
        switch phase {
        case .steady:
            if let leader = leadership?.leaderID {
                if leader == nodeID, !isLeader {
                    actions += call(now: now, reason: "node \(nodeID) restarted and lost its term")
                } else if leader != nodeID, !peers.contains(leader),
                    announcedAt[leader].map({ now - $0 >= coordinatorTimeout }) ?? true
                {
                    actions += call(now: now, reason: "leader \(leader) stopped heartbeating")
                } else if leader < nodeID {
                    actions += call(now: now, reason: "node \(nodeID) outranks leader \(leader)")
                }
            } else {
                actions += call(now: now, reason: "no leader")
            }
        case .calling(let deadline):
            if now >= deadline { actions += claim() }
        case .awaitingCoordinator(let deadline):
            if now >= deadline { actions += call(now: now, reason: "no coordinator announced in time") }
        case .claiming:
            break
        }
        return actions
    }

    private var isClaiming: Bool {
        if case .claiming = phase { true } else { false }
    }

    /// Starts an election at once (at start, on revival, or when an admin killed the leader).
    public mutating func callElection(now: ContinuousClock.Instant, reason: String) -> [Action] {
        call(now: now, reason: reason)
    }

    /// ELECTION from node `sender`: a lower node is answered and bullied by an election of this node's own.
    public mutating func receivedElection(from sender: Int, now: ContinuousClock.Instant) -> [Action] {
        guard sender < nodeID else { return [] }
        var actions: [Action] = [.answer(to: sender)]
        switch phase {
        case .calling, .claiming: break
        case .steady, .awaitingCoordinator:
            actions += call(now: now, reason: "node \(sender) called an election")
        }
        return actions
    }

    /// OK from a higher node: it takes over the election, so this node waits for its announcement.
    public mutating func receivedAnswer(from sender: Int, now: ContinuousClock.Instant) -> [Action] {
        guard sender > nodeID, case .calling = phase else { return [] }
        phase = .awaitingCoordinator(deadline: now + coordinatorTimeout)
        return []
    }

    /// COORDINATOR: `announced` leads. A stale term is ignored; a lower leader is bullied.
    public mutating func receivedVictory(_ announced: Leadership, now: ContinuousClock.Instant) -> [Action] {
        if let known = leadership, announced.term < known.term { return [] }
        if let known = leadership, announced.term == known.term, announced.leaderID != known.leaderID { return [] }
        announcedAt[announced.leaderID] = now
        var actions = follow(announced)
        if announced.leaderID < nodeID, phase == .steady {
            actions += call(now: now, reason: "node \(nodeID) outranks leader \(announced.leaderID)")
        }
        return actions
    }

    /// The write DB gave this node `term`: it leads, and tells every peer.
    public mutating func claimSucceeded(term: Int64) -> [Action] {
        leadership = Leadership(leaderID: nodeID, term: term)
        wonTerm = term
        phase = .steady
        return [.announceVictory(term: term, to: peers)]
    }

    /// Another node took the term first (`stored` is what the write DB holds now), or the write DB could not be
    /// asked: this node waits for an announcement, and calls again if none comes.
    public mutating func claimFailed(stored: Leadership?, now: ContinuousClock.Instant) -> [Action] {
        let triedAfter: Int64? = if case .claiming(let after) = phase { after } else { nil }
        let actions = adopt(stored)
        if let stored, let triedAfter, stored.term > triedAfter, stored.leaderID < nodeID {
            // The claim asked for a term that had moved on to a lower node (this node was killed or cut off
            // meanwhile): it outranks that leader, so it claims the term after the one it now knows.
            return actions + claim()
        }
        phase = .awaitingCoordinator(deadline: now + coordinatorTimeout)
        return actions
    }

    /// A singleton write was refused by the term fence: another node holds a later term.
    public mutating func fenced(stored: Leadership?, now: ContinuousClock.Instant) -> [Action] {
        var actions = adopt(stored)
        if wonTerm != nil, wonTerm == leadership?.term {
            // Refused under the term this node won: whatever the write DB says, that term is over.
            wonTerm = nil
            actions.append(.stepDown(newLeadership: stored))
        }
        return actions
    }

    /// Follows a later term from the write DB; steps down if this node led an earlier one.
    private mutating func adopt(_ stored: Leadership?) -> [Action] {
        guard let stored, stored.term > (leadership?.term ?? -1) else { return [] }
        return follow(stored)
    }

    private mutating func follow(_ announced: Leadership) -> [Action] {
        let wasLeading = isLeader
        leadership = announced
        switch phase {
        case .calling, .awaitingCoordinator:
            // A higher node leads: the election is over here. Under a lower one this node's election goes on.
            if announced.leaderID > nodeID { phase = .steady }
        case .steady, .claiming: break
        }
        return wasLeading ? [.stepDown(newLeadership: announced)] : []
    }

    private mutating func call(now: ContinuousClock.Instant, reason: String) -> [Action] {
        if isClaiming { return [] }
        let higher = peers.filter { $0 > nodeID }
        var actions: [Action] = []
        if isLeader {
            wonTerm = nil
            actions.append(.stepDown(newLeadership: nil))
        }
        actions.append(
            .recordCall(reason: reason, oldLeaderID: leadership?.leaderID, candidates: ([nodeID] + higher).sorted()))
        guard !higher.isEmpty else { return actions + claim() }
        phase = .calling(deadline: now + answerTimeout)
        return actions + [.sendElection(to: higher)]
    }

    private mutating func claim() -> [Action] {
        let after = leadership?.term ?? 0
        phase = .claiming(after: after)
        return [.claimTerm(after: after, candidates: ([nodeID] + peers.filter { $0 > nodeID }).sorted())]
    }
}
