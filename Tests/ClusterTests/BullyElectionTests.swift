import Cluster
import Testing

/// The election state machine without servers: messages and ticks in, actions out; lost messages are messages not
/// delivered, late ones are delivered after a later state.
@Suite struct BullyElectionTests {
    let start = ContinuousClock.now

    func node(_ id: Int) -> BullyElection {
        BullyElection(nodeID: id, answerTimeout: .seconds(1), coordinatorTimeout: .seconds(3))
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    func leadership(_ leader: Int, _ term: Int64) -> BullyElection.Leadership {
        .init(leaderID: leader, term: term)
    }

    @Test func theHighestNodeClaimsAtOnceWhenNobodyLeads() {
        var highest = node(7)
        let actions = highest.tick(now: at(0), alivePeers: [5, 6, 7], stored: nil)
        #expect(actions.contains(.claimTerm(after: 0, candidates: [7])))
        #expect(!actions.contains { if case .sendElection = $0 { true } else { false } })
        #expect(highest.claimSucceeded(term: 1) == [.announceVictory(term: 1, to: [5, 6])])
        #expect(highest.isLeader)
        #expect(highest.leaderTerm == 1)
    }

    @Test func aLowerNodeCallsTheHigherOnesAndWaitsForTheWinner() {
        var low = node(5)
        let actions = low.tick(now: at(0), alivePeers: [5, 6, 7], stored: nil)
        #expect(actions.contains(.sendElection(to: [6, 7])))
        #expect(actions.contains(.recordCall(reason: "no leader", oldLeaderID: nil, candidates: [5, 6, 7])))
        #expect(low.receivedAnswer(from: 7, now: at(0.1)).isEmpty)
        // No claim while the answered node waits, however many ticks pass before its timeout.
        #expect(low.tick(now: at(2), alivePeers: [5, 6, 7], stored: nil).isEmpty)
        #expect(low.receivedVictory(leadership(7, 1), now: at(2.5)).isEmpty)
        #expect(low.leadership == leadership(7, 1))
        #expect(!low.isLeader)
        #expect(low.tick(now: at(3), alivePeers: [5, 6, 7], stored: leadership(7, 1)).isEmpty)
    }

    @Test func aCallerNobodyAnswersClaimsAfterTheAnswerTimeout() {
        var low = node(5)
        _ = low.tick(now: at(0), alivePeers: [5, 6, 7], stored: nil)
        // Both ELECTION messages lost: no OK arrives.
        #expect(low.tick(now: at(0.5), alivePeers: [5, 6, 7], stored: nil).isEmpty)
        #expect(
            low.tick(now: at(1), alivePeers: [5, 6, 7], stored: nil) == [.claimTerm(after: 0, candidates: [5, 6, 7])])
    }

    @Test func anAnsweredCallerCallsAgainWhenTheWinnerNeverAnnounces() {
        var low = node(5)
        _ = low.tick(now: at(0), alivePeers: [5, 6], stored: nil)
        _ = low.receivedAnswer(from: 6, now: at(0.2))
        // The COORDINATOR is lost.
        let again = low.tick(now: at(3.3), alivePeers: [5, 6], stored: nil)
        #expect(again.contains(.sendElection(to: [6])))
    }

    @Test func aHigherNodeAnswersAndBulliesTheCaller() {
        var high = node(7)
        _ = high.claimSucceeded(term: 3)
        var follower = node(6)
        _ = follower.receivedVictory(leadership(7, 3), now: at(0))
        // A leader answers a lower caller and calls an election of its own, which it wins again.
        let actions = high.receivedElection(from: 5, now: at(1))
        #expect(actions.first == .answer(to: 5))
        #expect(actions.contains(.stepDown(newLeadership: nil)))
        #expect(follower.receivedElection(from: 5, now: at(1)).first == .answer(to: 5))
        // Lower nodes' messages are not answered by lower nodes.
        var lower = node(4)
        #expect(lower.receivedElection(from: 5, now: at(1)).isEmpty)
    }

    @Test func followersCallAnElectionWhenTheLeaderStopsHeartbeating() {
        var follower = node(6)
        _ = follower.tick(now: at(0), alivePeers: [5, 6, 7], stored: leadership(7, 4))
        _ = follower.receivedVictory(leadership(7, 4), now: at(0))
        #expect(follower.tick(now: at(1), alivePeers: [5, 6, 7], stored: leadership(7, 4)).isEmpty)
        let actions = follower.tick(now: at(5), alivePeers: [5, 6], stored: leadership(7, 4))
        #expect(
            actions.contains(
                .recordCall(reason: "leader 7 stopped heartbeating", oldLeaderID: 7, candidates: [6])))
        #expect(actions.contains(.claimTerm(after: 4, candidates: [6])))
    }

    @Test func aRevivedHigherNodeTakesOverWithANewTerm() {
        var revived = node(7)
        // It knows term 4 (its own, from before it was killed); node 6 has led term 5 since.
        _ = revived.claimSucceeded(term: 4)
        let call = revived.callElection(now: at(0), reason: "node 7 was revived")
        #expect(call.contains(.stepDown(newLeadership: nil)))
        #expect(call.contains(.claimTerm(after: 4, candidates: [7])))
        // Term 5 is taken: the claim fails, and as 6 < 7 it claims the next one at once.
        let retry = revived.claimFailed(stored: leadership(6, 5), now: at(0.1))
        #expect(retry == [.claimTerm(after: 5, candidates: [7])])
        _ = revived.claimSucceeded(term: 6)
        #expect(revived.leaderTerm == 6)
    }

    @Test func aPausedLeaderStepsDownWhenItSeesTheLaterTerm() {
        var old = node(7)
        _ = old.tick(now: at(0), alivePeers: [6, 7], stored: nil)
        _ = old.claimSucceeded(term: 2)
        #expect(old.leaderTerm == 2)
        // Frozen past its timeout; node 6 won term 3. The COORDINATOR of term 3 never reached it, but the write DB says so.
        let actions = old.tick(now: at(10), alivePeers: [6, 7], stored: leadership(6, 3))
        #expect(actions.first == .stepDown(newLeadership: leadership(6, 3)))
        #expect(old.leaderTerm == nil)
        // Then it outranks the new leader and calls an election, as Bully does.
        #expect(actions.contains(.claimTerm(after: 3, candidates: [7])))
    }

    @Test func aFencedLeaderGivesUpItsTerm() {
        var leader = node(7)
        _ = leader.claimSucceeded(term: 2)
        let actions = leader.fenced(stored: leadership(6, 3), now: at(1))
        #expect(actions == [.stepDown(newLeadership: leadership(6, 3))])
        #expect(leader.leaderTerm == nil)
    }

    @Test func lateAnnouncementsOfOldTermsAreIgnored() {
        var follower = node(5)
        _ = follower.receivedVictory(leadership(7, 8), now: at(0))
        #expect(follower.receivedVictory(leadership(6, 7), now: at(1)).isEmpty)
        #expect(follower.leadership == leadership(7, 8))
        // A second winner of the same term cannot exist (the term is a compare-and-set); its message is ignored.
        #expect(follower.receivedVictory(leadership(6, 8), now: at(1)).isEmpty)
        #expect(follower.leadership == leadership(7, 8))
    }

    @Test func aRestartedLeaderDoesNotResumeItsOldTerm() {
        var restarted = node(7)
        let actions = restarted.tick(now: at(0), alivePeers: [6, 7], stored: leadership(7, 9))
        #expect(restarted.leaderTerm == nil)
        #expect(actions.contains(.claimTerm(after: 9, candidates: [7])))
    }

    @Test func aJustAnnouncedLeaderCountsAsAliveBeforeItsHeartbeatShows() {
        var follower = node(3)
        _ = follower.receivedVictory(leadership(5, 12), now: at(0))
        // The heartbeats read a moment ago still show 5 as killed.
        #expect(follower.tick(now: at(0.5), alivePeers: [3, 4], stored: leadership(4, 11)).isEmpty)
        // Had it really died, its heartbeat stays missing past the grace, and an election follows.
        let later = follower.tick(now: at(4), alivePeers: [3, 4], stored: leadership(5, 12))
        #expect(later.contains(.sendElection(to: [4])))
    }
}
