import Foundation

/// The city's services a kit can handle at a branch-office counter (issue #20, "Counter mode"):
/// what a walk-in citizen can ask for, and which workflow steps each needs. The server hands it
/// to the kit with the checkout; the kit keeps the newest version it has seen, so it can open a
/// walk-in case ("Vorsprache") offline. No personal data.
public struct ServiceCatalogue: Sendable, Codable, Equatable {
    /// Raised by the city whenever an entry changes; a kit replaces its copy only by a newer one.
    public var version: UInt64
    public var services: [Service]

    public init(version: UInt64, services: [Service]) {
        self.version = version
        self.services = services
    }

    /// One service, e.g. "Meldebescheinigung".
    public struct Service: Sendable, Codable, Equatable {
        /// Stable key, e.g. `meldebescheinigung` (what a `case.opened` names).
        public var serviceId: String
        /// The German title the clerk and the citizen see.
        public var title: String
        /// The workflow steps in order (the workflow's own step kinds).
        public var steps: [CaseStep]
        /// Whether the clerk enters the citizen's address (an address change needs the new one).
        public var needsAddress: Bool
        /// Texts the citizen signs (bound to the signature by SHA-256).
        public var textsToSign: [String]
        /// Fees in euro cents.
        public var fees: [CaseSnapshot.Fee]

        public init(
            serviceId: String, title: String, steps: [CaseStep], needsAddress: Bool = false,
            textsToSign: [String] = [], fees: [CaseSnapshot.Fee] = []
        ) {
            self.serviceId = serviceId
            self.title = title
            self.steps = steps
            self.needsAddress = needsAddress
            self.textsToSign = textsToSign
            self.fees = fees
        }
    }

    public func service(_ serviceId: String) -> Service? {
        services.first { $0.serviceId == serviceId }
    }
}

extension ServiceCatalogue {
    /// The catalogue the server hands out unless the city configures its own: the counter
    /// services the kit's devices cover. Documents are printed at the counter, not handed out by
    /// the kit, so no entry has a hand-out step.
    public static let city = ServiceCatalogue(
        version: 1,
        services: [
            Service(
                serviceId: "meldebescheinigung", title: "Meldebescheinigung", steps: [.identify, .pay, .complete],
                fees: [CaseSnapshot.Fee(label: "Meldebescheinigung", amountCents: 1000)]),
            Service(
                serviceId: "ummeldung", title: "Adressänderung (Ummeldung)",
                steps: [.identify, .sign, .updateAddress, .complete], needsAddress: true,
                textsToSign: ["Ich bestätige die Angaben zur neuen Wohnung (Anmeldung nach § 17 BMG)."]),
            Service(
                serviceId: "personalausweis", title: "Personalausweis beantragen",
                steps: [.identify, .photo, .fingerprints, .sign, .pay, .complete],
                textsToSign: ["Ich beantrage einen Personalausweis; meine Angaben sind richtig."],
                fees: [CaseSnapshot.Fee(label: "Personalausweis", amountCents: 3700)]),
            Service(
                serviceId: "fuehrungszeugnis", title: "Führungszeugnis beantragen",
                steps: [.identify, .sign, .pay, .complete],
                textsToSign: ["Ich beantrage ein Führungszeugnis (§ 30 BZRG) zur Vorlage bei mir selbst."],
                fees: [CaseSnapshot.Fee(label: "Führungszeugnis", amountCents: 1300)]),
        ])
}
