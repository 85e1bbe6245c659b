/// One line of `kit-agent doctor`: what was checked, how it stands, what was seen and — when it is
/// not well — the one thing IT staff should do about it.
public struct DoctorFinding: Codable, Sendable, Equatable {
    /// How a check came out; the order is the severity.
    public enum Status: String, Codable, Sendable, Comparable, CaseIterable {
        /// Not applicable here (not configured, or an earlier check makes it pointless).
        case skipped
        /// Works.
        case ok
        /// Works, but needs attention soon.
        case warning
        /// Does not work.
        case failure

        private var rank: Int {
            switch self {
            case .skipped: return 0
            case .ok: return 1
            case .warning: return 2
            case .failure: return 3
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// Short name of the check, e.g. `pcscd`, `signature-pad`, `disk`.
    public var check: String
    public var status: Status
    /// What was seen, in one sentence.
    public var detail: String
    /// What to do, for warnings and failures.
    public var fix: String?

    public init(check: String, status: Status, detail: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    public static func ok(_ check: String, _ detail: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .ok, detail: detail)
    }

    public static func warning(_ check: String, _ detail: String, fix: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .warning, detail: detail, fix: fix)
    }

    public static func failure(_ check: String, _ detail: String, fix: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .failure, detail: detail, fix: fix)
    }

    public static func skipped(_ check: String, _ detail: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .skipped, detail: detail)
    }
}
