import Foundation
import KitCore
import Testing

@testable import SyncServer

/// The back office's "Übergaben" page: rejected dossiers first, with the procedure's reason,
/// escaped like every page.
@Suite("Admin pages: Übergaben")
struct HandoffPageTests {
    static let hostile = "<script>alert('x')</script>"

    @Test func rejectedDossiersShowTheirReasonEscaped() {
        let now = Date()
        let rejected = DossierRecord(
            dossierId: String(repeating: "a", count: 32), caseId: Self.hostile, consumer: "meldewesen",
            procedure: .register, recordedAt: now, position: 1, builtAt: now, outcome: .rejected,
            reason: Self.hostile, acknowledgedAt: now)
        let accepted = DossierRecord(
            dossierId: String(repeating: "b", count: 32), caseId: "2026-0042", consumer: "e-akte", procedure: .dms,
            recordedAt: now, position: 2, builtAt: now, outcome: .accepted, acknowledgedAt: now,
            evidenceDeletedAt: now)
        let waiting = DossierRecord(
            dossierId: String(repeating: "c", count: 32), caseId: "2026-0043", consumer: "stadtkasse",
            procedure: .cashOffice, recordedAt: now)
        let page = HandoffPage(dossiers: [rejected, accepted, waiting], now: now).render()
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(page.contains("Abgelehnt (1)"))
        #expect(page.contains("Melderegister"))
        #expect(page.contains("angenommen, Nachweise gelöscht"))
        #expect(page.contains("wartet auf Erstellung"))
        #expect(
            page.contains("<a href=\"/admin/case?id=2026-0042\"><code>2026-0042</code></a>"), "links to the case page")
        #expect(page.contains("aria-current=\"page\">Übergaben"))
        let empty = HandoffPage(dossiers: [], now: now).render()
        #expect(empty.contains("Kein Fachverfahren hat eine Übergabe abgelehnt."))
    }
}
