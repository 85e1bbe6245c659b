/// The sync server's schema migrations in the order both stores apply them: the one list the
/// tests compare against, so a renamed or reordered migration fails them and a new one is one edit.
public enum ServerSchema {
    public static let migrations = [
        "v1-server-instance", "v2-sync", "v3-kit-certificates", "v4-operator-sessions", "v5-identity-bindings",
        "v6-handoff", "v7-handoff-push", "v8-evidence-views", "v9-envelope-proof", "v10-data-protection",
        "v11-operators", "v12-backoffice", "v13-counter",
    ]
}
