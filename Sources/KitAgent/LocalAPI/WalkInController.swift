import Foundation
import Hummingbird
import KitCore

extension ServiceCatalogue: ResponseEncodable {}
extension WalkInDesk.Opened: ResponseEncodable {}

/// The counter's walk-in cases (issue #20, "Vorsprache"):
///
/// - `GET /v1/service-catalogue`: the city's services the kit can open a case for (404 before the
///   first checkout brought one);
/// - `POST /v1/walk-ins`: open a case for a walk-in citizen; 201 with the case id once its
///   `case.opened` is durable in the outbox.
struct WalkInController<Context: RequestContext> {
    let desk: WalkInDesk
    let sync: SyncService

    func register(on group: RouterGroup<Context>) {
        group.get("service-catalogue") { _, _ -> ServiceCatalogue in
            let catalogue: ServiceCatalogue?
            do { catalogue = try ServiceCatalogueStore(database: desk.runtime.database).load() } catch {
                throw ClerkFacingError(.internalServerError, ClerkText(.storageFailed), detail: "\(error)")
            }
            guard let catalogue else {
                throw ClerkFacingError(
                    .notFound, ClerkText(.walkInCatalogueMissing), detail: WalkInError.catalogueMissing.description)
            }
            return catalogue
        }
        group.post("walk-ins") { request, context -> EditedResponse<WalkInDesk.Opened> in
            let walkIn: WalkInDesk.Request
            do { walkIn = try await request.decode(as: WalkInDesk.Request.self, context: context) } catch {
                throw ClerkFacingError(.badRequest, ClerkText(.inputInvalid), detail: "walk-in body: \(error)")
            }
            let opened: WalkInDesk.Opened
            do { opened = try await desk.open(walkIn) } catch let error as WalkInError {
                throw ClerkFacingError(Self.status(for: error), error.clerkText, detail: error.description)
            }
            await sync.trigger()
            return EditedResponse(status: .created, response: opened)
        }
    }

    static func status(for error: WalkInError) -> HTTPResponse.Status {
        switch error {
        case .catalogueMissing: return .conflict
        case .serviceUnknown, .citizenInvalid, .addressNeeded: return .badRequest
        case .caseStore(let caseError): return caseError.httpStatus
        case .notReady, .outbox, .storage: return .serviceUnavailable
        }
    }
}
