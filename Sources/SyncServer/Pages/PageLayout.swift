/// The frame of every admin page: one self-contained HTML document with inline CSS, no scripts,
/// no external assets, so the pages work on an isolated network and under a strict
/// Content-Security-Policy.
enum PageLayout {
    /// The sections in the navigation bar.
    enum Section: String {
        case fleet, cases, conflicts, handoff
    }

    static func document(title: String, section: Section?, body: String) -> String {
        var navigation = ""
        if let section {
            func link(_ target: Section, _ label: String) -> String {
                let current = target == section ? " aria-current=\"page\"" : ""
                return "<a href=\"/admin/\(target.rawValue)\"\(current)>\(label)</a>"
            }
            navigation = """
                <nav aria-label="Bereiche">\(link(.fleet, "Flotte")) \(link(.cases, "Vorgänge")) \(link(.conflicts, "Konflikte")) \(link(.handoff, "Übergaben"))
                <form method="post" action="/admin/logout" class="logout"><button type="submit">Abmelden</button></form>
                </nav>
                """
        }
        return """
            <!DOCTYPE html>
            <html lang="de">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="same-origin">
            <title>\(HTMLEscaping.escape(title)) – Bürgeramtskoffer Sync-Server</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <header><strong>Bürgeramtskoffer</strong> Sync-Server\(navigation)</header>
            <main>
            <h1>\(HTMLEscaping.escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    static let stylesheet = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f4}
        header{background:#23395d;color:#fff;padding:.6rem 1rem;display:flex;gap:1.5rem;align-items:center}
        header nav{display:flex;gap:1rem;align-items:center;flex:1}
        header a{color:#fff}header a[aria-current]{font-weight:bold;text-decoration:none}
        .logout{margin-left:auto}
        main{padding:1rem;max-width:80rem}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#e8e8e4}
        tr.stale td,tr.stale th{background:#fff1d6}tr.revoked td,tr.revoked th{color:#595959}
        .muted{color:#595959}
        .abs{color:#666;font-size:.85em;white-space:nowrap}
        .counts{display:flex;gap:1rem;list-style:none;padding:0;flex-wrap:wrap}
        .counts li{background:#fff;border:1px solid #ccc;padding:.5rem .8rem}
        .counts strong{display:block;font-size:1.4em}
        .warn{color:#9a4a00;font-weight:bold}.ok{color:#276227}
        .notice{background:#e6f0ff;border:1px solid #8ab;padding:.5rem}
        .error{background:#fde8e8;border:1px solid #c66;padding:.5rem}
        form.resolve{display:flex;gap:.3rem;flex-wrap:wrap;align-items:center}
        form.resolve fieldset{border:1px solid #767676;background:#fff;padding:.6rem;display:flex;flex-direction:column;gap:.4rem;flex:1}
        .choice .effect{margin:.1rem 0 .4rem 1.6rem;color:#444}
        textarea{font:inherit;border:1px solid #767676;padding:.3rem;max-width:40rem}
        section.conflict{background:#fff;border:1px solid #ccc;padding:.2rem 1rem 1rem;margin:0 0 1.2rem}
        table.compare{width:auto;margin:.6rem 0}
        ul.actions{margin:0;padding-left:1.1rem}
        .note{white-space:pre-wrap;overflow-wrap:anywhere}
        details summary{cursor:pointer;color:#23395d}
        th a{color:#1a1a1a}
        button{font-size:1em;padding:.3rem .7rem}
        code{font-size:.95em}
        :focus-visible{outline:3px solid #ffbf47;outline-offset:1px;box-shadow:0 0 0 5px #0b0c0c}
        .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        form.filter,nav.pager{display:flex;gap:.6rem;align-items:center;margin:.8rem 0}
        select{font-size:1em;padding:.2rem}
        ul.plain{list-style:none;margin:0;padding:0}
        dl.facts{display:grid;grid-template-columns:max-content auto;gap:.3rem 1rem}
        dl.facts dd{margin:0}dl.facts dt{font-weight:bold}
        img.signature{background:#fff;border:1px solid #ccc;max-width:100%}
        caption{text-align:left;font-weight:bold;padding:.3rem 0}
        pre{background:#fff;border:1px solid #ccc;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere}
        """
}
