/// `GET /admin/login`: the operator token (`keys/admin.token` in the server's state directory)
/// exchanged for a session cookie.
struct LoginPage {
    /// Why the last attempt failed, in German; nil on first display.
    enum Problem {
        case wrongToken
        case tooManyAttempts
        case sessionEnded

        var html: String {
            switch self {
            case .wrongToken:
                return "<p class=\"error\">Das Token ist falsch. Bitte den Inhalt von "
                    + "<code>keys/admin.token</code> vollständig einfügen.</p>"
            case .tooManyAttempts:
                return "<p class=\"error\">Zu viele Fehlversuche von dieser Adresse. "
                    + "Bitte in einigen Minuten erneut versuchen.</p>"
            case .sessionEnded:
                return "<p class=\"notice\">Abgemeldet.</p>"
            }
        }
    }

    var problem: Problem?

    func render() -> String {
        let body = """
            \(problem?.html ?? "")
            <form method="post" action="/admin/login">
            <p><label for="token">Betreiber-Token (Datei <code>keys/admin.token</code> im Zustandsverzeichnis \
            des Servers)</label></p>
            <p><input type="password" id="token" name="token" size="70" autocomplete="off" required autofocus></p>
            <p><button type="submit">Anmelden</button></p>
            </form>

            """
        return PageLayout.document(title: "Anmelden", section: nil, body: body)
    }
}
