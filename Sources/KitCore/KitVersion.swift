/// The release of the Bürgeramtskoffer software and the wire API it speaks.
///
/// Kit and server compare `apiVersion` before any sync: a kit never sends envelopes to a server
/// whose API version it does not know.
public enum KitVersion {
    /// Human-readable release, shown by `--version` and in `/v1/version`.
    public static let release = "0.1.0"
    /// Version of the kit ↔ server HTTP API (paths under `/v1/`).
    public static let apiVersion = 1
}
