import Foundation

/// A named back-office account: the person who signs in to the admin pages, decides a conflict or
/// opens a step's evidence, and whom the audit trail names for it (BSI OPS.1.1.5; issue #20).
/// Created by IT with `sync-server operators add`; never deleted, only disabled, so old audit
/// entries keep naming an account that can be looked up.
public struct OperatorAccount: Sendable, Equatable {
    /// Login name, `[a-z0-9._-]`, 1–64 characters.
    public var name: String
    /// The person's name as pages and the audit trail show it ("Petra Schmidt").
    public var displayName: String
    public var role: OperatorRole
    public var active: Bool
    public var createdAt: Date

    public init(name: String, displayName: String, role: OperatorRole, active: Bool = true, createdAt: Date) {
        self.name = name
        self.displayName = displayName
        self.role = role
        self.active = active
        self.createdAt = createdAt
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars.contains($0) }
    }

    public static func isValidDisplayName(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return !trimmed.isEmpty && trimmed.count <= 100
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// How the audit trail and the pages name the person: "Petra Schmidt (pschmidt)".
    public var actor: String { "\(displayName) (\(name))" }
}

/// What an operator does in the back office; each role may do part of it.
public enum OperatorRole: String, Sendable, CaseIterable, Codable {
    /// Back office (Sachbearbeitung): cases, conflicts, evidence, hand-off.
    case backOffice = "sachbearbeitung"
    /// IT operations: fleet, kits, deliveries.
    case it
    /// The data-protection officer: reads everything that is logged, opens no evidence.
    case dataProtection = "datenschutz"

    /// German name for pages.
    public var label: String {
        switch self {
        case .backOffice: return "Sachbearbeitung"
        case .it: return "IT-Betrieb"
        case .dataProtection: return "Datenschutz"
        }
    }

    public func may(_ action: OperatorAction) -> Bool {
        switch action {
        case .read: return true
        case .resolveConflict, .viewEvidence: return self == .backOffice
        case .redeliver: return self == .backOffice || self == .it
        }
    }
}

/// Actions on the admin pages that not every role may take.
public enum OperatorAction: Sendable {
    case read
    case resolveConflict
    case viewEvidence
    case redeliver

    /// German sentence for the refusal page.
    public var refusal: String {
        switch self {
        case .read: return "Diese Seite ist für Ihre Rolle nicht freigegeben."
        case .resolveConflict: return "Konflikte entscheidet die Sachbearbeitung. Ihre Rolle darf das nicht."
        case .viewEvidence:
            return "Nachweise (Unterschrift, Fingerabdrücke, Zahlung) öffnet nur die Sachbearbeitung. "
                + "Jede Ansicht wird protokolliert; das Protokoll sehen Sie auf der Vorgangsseite."
        case .redeliver: return "Zustellungen wiederholen dürfen Sachbearbeitung und IT-Betrieb."
        }
    }
}

/// Who is acting on an admin request: a named operator (browser session) or the operator token
/// (scripts and the first sign-in before any account exists).
public enum OperatorIdentity: Sendable, Equatable {
    case account(OperatorAccount)
    case token

    /// The name the audit trail records.
    public var actor: String {
        switch self {
        case .account(let account): return account.actor
        case .token: return "Betriebs-Token"
        }
    }

    public func may(_ action: OperatorAction) -> Bool {
        switch self {
        case .account(let account): return account.role.may(action)
        case .token: return true
        }
    }
}
