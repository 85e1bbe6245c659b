import KitCore

extension ConflictRules {
    /// Most bytes of a `case.opened` payload: a name, a date and an address, not a document.
    public static let maximumCaseOpenedBytes = 8 << 10

    /// `case.opened` (issue #20, counter mode): a walk-in case the kit opened, online or offline.
    /// The server builds the case from its own catalogue entry (steps and fees are not the kit's
    /// to choose) and checks the citizen against the register: a record the kit named that names
    /// another person, or a record with the same name and date of birth at another address, opens
    /// the case with a `register_disagrees` conflict for the back office.
    static func decideCaseOpened(header: TransactionHeader, payload: [UInt8], state: CaseState?, lookups: RuleLookups)
        -> RuleDecision
    {
        guard payload.count <= maximumCaseOpenedBytes else {
            return .reject("case.opened payload is \(payload.count) bytes, at most \(maximumCaseOpenedBytes)")
        }
        guard let opened = try? StepPayload.facts(StepPayload.CaseOpened.self, from: payload) else {
            return .reject("case.opened payload cannot be read")
        }
        guard StepPayload.isWalkInCaseId(header.caseId, kitId: header.kitId) else {
            return .reject(
                "case id \(header.caseId) is not a walk-in case id of kit \(header.kitId) "
                    + "(\(StepPayload.walkInCaseIdPrefix(kitId: header.kitId))…)")
        }
        guard state == nil else {
            return .reject("case \(header.caseId) exists already: a walk-in case id is opened only once")
        }
        if let problem = opened.citizen.problem { return .reject("case.opened citizen: \(problem)") }
        if let citizenId = opened.citizenId, citizenId.isEmpty || citizenId.count > 100 {
            return .reject("case.opened names an empty or overlong register record id")
        }
        guard let service = lookups.catalogue.service(opened.serviceId) else {
            return .reject("service \(opened.serviceId.prefix(100)) is not in the service catalogue")
        }
        guard !service.needsAddress || opened.citizen.address != nil else {
            return .reject("service \(service.serviceId) needs the citizen's address")
        }
        let disagreement = registerDisagreement(opened, lookups: lookups)
        // Only a record that agrees is linked to the case; a disputed one is the back office's call.
        let record = disagreement == nil ? (opened.citizenId != nil ? lookups.namedRecord : lookups.personRecord) : nil
        let citizen = CaseSnapshot.Citizen(
            citizenId: record?.citizenId ?? "", givenNames: opened.citizen.givenNames,
            familyName: opened.citizen.familyName, dateOfBirth: opened.citizen.dateOfBirth,
            address: opened.citizen.address ?? record?.address ?? CaseSnapshot.Address(street: "", zip: "", city: ""),
            registerVersion: record?.version ?? 1)
        let snapshot = CaseSnapshot(
            caseId: header.caseId, version: 1, title: service.title, citizen: citizen, steps: service.steps,
            textsToSign: service.textsToSign, fees: service.fees)
        guard let disagreement else { return .apply(.openCase(snapshot)) }
        return .applyDisputed(.openCase(snapshot), .registerDisagrees, reason: disagreement)
    }

    /// What the register says against the walk-in's facts (pure), or nil when it agrees or does
    /// not know the citizen.
    static func registerDisagreement(_ opened: StepPayload.CaseOpened, lookups: RuleLookups) -> String? {
        let citizen = opened.citizen
        if let citizenId = opened.citizenId {
            guard let named = lookups.namedRecord else {
                return "the register has no record \(citizenId), which the kit found at the counter"
            }
            guard
                citizen.sameKeys(
                    givenNames: named.givenNames, familyName: named.familyName, dateOfBirth: named.dateOfBirth)
            else {
                return "register record \(citizenId) names another person (name or date of birth differ)"
            }
            if let address = citizen.address, address != named.address {
                return "the register holds another address for record \(citizenId)"
            }
            return nil
        }
        if let match = lookups.personRecord, let address = citizen.address, address != match.address {
            return "the register holds another address for this name and date of birth (record \(match.citizenId))"
        }
        return nil
    }
}
