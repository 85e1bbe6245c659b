import KitAgent
import Testing

@Suite("kit-agent sync progress line")
struct SyncProgressTests {
    @Test func theBarFollowsTheAnswersAndNeverGoesBack() {
        var progress = SyncProgress(total: 1000)
        #expect(progress.line(width: 10) == "sync [··········]    0/1000 answered")
        progress.update(waitingNow: 488)
        #expect(progress.done == 512)
        #expect(progress.line(width: 10) == "sync [#####·····]  512/1000 answered")
        // New steps recorded during the sync raise the depth: the bar does not go back.
        progress.update(waitingNow: 900)
        #expect(progress.done == 512)
        progress.update(waitingNow: 0)
        #expect(progress.line(width: 10) == "sync [##########] 1000/1000 answered")
    }

    @Test func anEmptyQueueIsComplete() {
        var progress = SyncProgress(total: 0)
        progress.update(waitingNow: 3)
        #expect(progress.done == 0)
        #expect(progress.line(width: 5) == "sync [#####] 0/0 answered")
    }
}
