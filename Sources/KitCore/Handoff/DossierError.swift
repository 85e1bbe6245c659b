/// Why a hand-off dossier cannot be built, read or trusted, worded for the IT staff of the
/// receiving procedure (docs/handoff.md, "Verification").
public enum DossierError: Error, Equatable, CustomStringConvertible {
    /// The container is not a canonical dossier archive.
    case archive(String)
    /// The manifest or its server signature (JWS) is missing, malformed or does not verify.
    case signature(String)
    /// A file is missing, extra or does not match the hash the signed manifest names.
    case content(String)
    /// A kit signature or a chain link of the proof does not verify.
    case proof(String)
    /// A sealed file cannot be sealed or opened (wrong consumer key, damaged file).
    case sealing(String)

    public var description: String {
        switch self {
        case .archive(let reason): return "dossier container: \(reason)"
        case .signature(let reason): return "dossier server signature: \(reason)"
        case .content(let reason): return "dossier content: \(reason)"
        case .proof(let reason): return "dossier kit proof: \(reason)"
        case .sealing(let reason): return "dossier evidence sealing: \(reason)"
        }
    }
}
