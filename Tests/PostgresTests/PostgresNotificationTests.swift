import Postgres
import SeatlineTestSupport
import Testing

@Suite("LISTEN/NOTIFY against the real server")
struct PostgresNotificationTests {
    @Test(.timeLimit(.minutes(1)))
    func listenReceivesNotify() async throws {
        let client = PostgresTestSupport.makeClient()
        // Upper case and a space: the channel must be quoted as an identifier to match pg_notify's exact name.
        let channel = "Seatline Test \(LocalStack.uniqueName("channel"))"
        let payload = "seat 'A1' \"held\" \\ 🎟️"
        let notification = try await PostgresTestSupport.firstNotification(
            carrying: payload, of: client.notifications(channel: channel),
            whileSending: { _ = try await client.query("SELECT pg_notify(\(channel), \(payload))") })
        #expect(notification == PostgresNotification(channel: channel, payload: payload))
        await client.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func closingTheClientEndsTheSequence() async throws {
        let client = PostgresTestSupport.makeClient()
        let notifications = client.notifications(channel: LocalStack.uniqueName("channel"))
        await client.close()
        var iterator = notifications.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }
}
