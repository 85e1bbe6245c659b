import Foundation
import KitCore

/// Opens a case for a citizen who walks in at a branch-office counter ("Vorsprache", issue #20):
/// the service from the kit's catalogue, the citizen as the clerk typed them. Online the server's
/// register is asked first; offline (or when the server does not answer) the case is provisional
/// and the server checks it on replay. Either way the kit records `case.opened` before any step
/// of the case, so the opening comes first in the kit's chain.
public struct WalkInDesk: Sendable {
    let runtime: KitRuntime
    /// Asks the server's register; throws when the server cannot be reached.
    let lookUp: @Sendable (RegisterLookupRequest) async throws -> RegisterRecord?

    public init(
        runtime: KitRuntime, lookUp: @escaping @Sendable (RegisterLookupRequest) async throws -> RegisterRecord?
    ) {
        self.runtime = runtime
        self.lookUp = lookUp
    }

    /// What the clerk entered on the "Vorsprache" screen.
    public struct Request: Codable, Sendable {
        public var serviceId: String
        public var givenNames: String
        public var familyName: String
        /// `YYYY-MM-DD` (what `<input type="date">` sends).
        public var dateOfBirth: String
        public var street: String?
        public var zip: String?
        public var city: String?

        public init(
            serviceId: String, givenNames: String, familyName: String, dateOfBirth: String, street: String? = nil,
            zip: String? = nil, city: String? = nil
        ) {
            self.serviceId = serviceId
            self.givenNames = givenNames
            self.familyName = familyName
            self.dateOfBirth = dateOfBirth
            self.street = street
            self.zip = zip
            self.city = city
        }
    }

    /// What the register said.
    public enum RegisterAnswer: String, Codable, Sendable {
        /// The register knows the citizen: the case names the record.
        case found
        /// The register does not know the citizen (a newcomer): the case uses what was typed.
        case unknown
        /// The server could not be asked: the case is provisional until the replay.
        case offline
    }

    /// The opened case.
    public struct Opened: Codable, Sendable, Equatable {
        public var caseId: String
        public var provisional: Bool
        public var register: RegisterAnswer
        /// Outbox seq of the `case.opened`.
        public var seq: UInt64
    }

    public func open(_ request: Request) async throws(WalkInError) -> Opened {
        let catalogue: ServiceCatalogue?
        do { catalogue = try ServiceCatalogueStore(database: runtime.database).load() } catch {
            throw .storage(error)
        }
        guard let catalogue else { throw .catalogueMissing }
        guard let service = catalogue.service(request.serviceId) else { throw .serviceUnknown(request.serviceId) }
        let address = try Self.address(request, needed: service.needsAddress)
        var citizen = WalkInCitizen(
            givenNames: request.givenNames.trimmingCharacters(in: .whitespaces),
            familyName: request.familyName.trimmingCharacters(in: .whitespaces), dateOfBirth: request.dateOfBirth,
            address: address)
        if let problem = citizen.problem { throw .citizenInvalid(problem) }
        guard let outbox = runtime.outbox else { throw .notReady(runtime.outboxProblem ?? "outbox unavailable") }

        let answer: RegisterAnswer
        var record: RegisterRecord?
        do {
            record = try await lookUp(
                RegisterLookupRequest(
                    givenNames: citizen.givenNames, familyName: citizen.familyName, dateOfBirth: citizen.dateOfBirth))
            answer = record == nil ? .unknown : .found
        } catch {
            answer = .offline
        }
        if citizen.address == nil, let record { citizen.address = record.address }

        let caseId =
            StepPayload.walkInCaseIdPrefix(kitId: runtime.kitId)
            + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
        let snapshot = CaseSnapshot(
            caseId: caseId, version: 1, title: service.title,
            citizen: CaseSnapshot.Citizen(
                citizenId: record?.citizenId ?? "", givenNames: citizen.givenNames, familyName: citizen.familyName,
                dateOfBirth: citizen.dateOfBirth,
                address: citizen.address ?? CaseSnapshot.Address(street: "", zip: "", city: ""),
                registerVersion: record?.version ?? 1),
            steps: service.steps, textsToSign: service.textsToSign, fees: service.fees)
        let payload: [UInt8]
        do {
            payload = try StepPayload.compose(
                facts: StepPayload.CaseOpened(
                    serviceId: service.serviceId, catalogueVersion: catalogue.version, citizen: citizen,
                    citizenId: record?.citizenId, provisional: answer == .offline))
        } catch {
            throw .citizenInvalid("\(error)")
        }
        // The case first (it needs the kit unlocked), then its opening in the outbox; an opening
        // that cannot be queued takes the case with it.
        do { try await runtime.cases.store(snapshot) } catch { throw .caseStore(error) }
        let receipt: Outbox.Receipt
        do {
            receipt = try outbox.enqueue(
                caseId: caseId, kind: TransactionKind.caseOpened.rawValue, baseVersion: 0, payload: payload)
        } catch {
            try? runtime.cases.remove(caseId: caseId)
            throw .outbox(error)
        }
        return Opened(caseId: caseId, provisional: answer == .offline, register: answer, seq: receipt.seq)
    }

    /// `body`'s answer, or a thrown timeout after `seconds`.
    public static func withinSeconds<T: Sendable>(_ seconds: Int, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw CancellationError()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    /// The typed address: nil when none was typed; refused when half typed or needed and missing.
    static func address(_ request: Request, needed: Bool) throws(WalkInError) -> CaseSnapshot.Address? {
        let parts = [request.street, request.zip, request.city].map {
            ($0 ?? "").trimmingCharacters(in: .whitespaces)
        }
        if parts.allSatisfy(\.isEmpty) {
            if needed { throw .addressNeeded }
            return nil
        }
        guard !parts.contains(where: \.isEmpty), parts[1].count == 5, parts[1].allSatisfy(\.isASCII),
            parts[1].allSatisfy(\.isNumber)
        else { throw .addressNeeded }
        return CaseSnapshot.Address(street: parts[0], zip: parts[1], city: parts[2])
    }
}

/// Why a walk-in case could not be opened.
public enum WalkInError: Error, CustomStringConvertible {
    /// The kit has no service catalogue yet (never checked out since the catalogue came).
    case catalogueMissing
    case serviceUnknown(String)
    /// A name is empty or too long, or the date of birth is not a date.
    case citizenInvalid(String)
    /// The service needs the address, or it was only partly typed.
    case addressNeeded
    case notReady(String)
    case caseStore(CaseStoreError)
    case outbox(OutboxError)
    case storage(StorageError)

    public var description: String {
        switch self {
        case .catalogueMissing: return "the kit has no service catalogue yet: sync once with the server"
        case .serviceUnknown(let id): return "service \(id.prefix(100)) is not in the kit's service catalogue"
        case .citizenInvalid(let problem): return "the walk-in citizen is invalid: \(problem)"
        case .addressNeeded: return "the address needs street, a five-digit postcode and city"
        case .notReady(let reason): return "the kit cannot record steps yet: \(reason)"
        case .caseStore(let error): return error.description
        case .outbox(let error): return error.description
        case .storage(let error): return error.description
        }
    }
}
