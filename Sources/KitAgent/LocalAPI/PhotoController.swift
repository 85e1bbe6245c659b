import Foundation
import Hummingbird
import KitCore
import KitDrivers

/// The biometric photo step (issue #22), for the clerk page:
///
/// - `GET /v1/camera/checks` takes one frame and answers the checks with traffic lights and German
///   hints (nothing is recorded); the page polls it while the citizen gets ready;
/// - `POST /v1/cases/{caseId}/photo` takes a burst, keeps the best frame that passes, and records it
///   as `photo.captured` (201 with seq, the checks and the image's SHA-256), or answers 422 with the
///   refusal reason and hint and records nothing.
///
/// The photo only ever comes from the kit's camera: a request body is refused, so no uploaded image
/// can take the captured one's place.
struct PhotoController<Context: RequestContext> {
    let runtime: KitRuntime
    let station: PhotoStation
    let sync: SyncService

    struct Check: ResponseEncodable, Equatable {
        var check: String
        var title: String
        var light: String
        var passed: Bool
        var value: Double?
        var hint: String?
    }

    struct Checks: ResponseEncodable {
        var acceptable: Bool
        /// The hint of the first failed required check, the one to read out first.
        var hint: String?
        var checks: [Check]
    }

    struct Recorded: ResponseEncodable {
        var seq: UInt64
        var txId: String
        var imageSHA256: String
        var width: Int
        var height: Int
        var checks: [Check]
    }

    func register(on group: RouterGroup<Context>) {
        group.get("camera/checks") { _, _ -> Checks in
            try await self.checks()
        }
        group.post("cases/:caseId/photo") { request, context -> EditedResponse<Recorded> in
            let caseId = try context.parameters.require("caseId")
            // A body over 16 bytes is refused by collect (413), any other non-empty one here (400).
            if try await request.body.collect(upTo: 16).readableBytes > 0 {
                throw HTTPError(
                    .badRequest,
                    message: "Das Foto nimmt die Kamera des Koffers auf; Bilder werden nicht angenommen. "
                        + "(this endpoint takes no body: images are never uploaded)")
            }
            return try await self.capture(caseId: caseId)
        }
    }

    static func checks(_ assessment: PhotoAssessment) -> [Check] {
        assessment.results.map {
            Check(
                check: $0.check.rawValue, title: $0.check.germanTitle, light: $0.light.rawValue, passed: $0.passed,
                value: $0.value.map { ($0 * 100).rounded() / 100 }, hint: $0.hint)
        }
    }

    func checks() async throws -> Checks {
        do {
            let assessment = try await station.preview()
            return Checks(
                acceptable: assessment.acceptable, hint: assessment.refusal?.hint, checks: Self.checks(assessment))
        } catch {
            throw HTTPError(.serviceUnavailable, message: "\(error.german) (\(error.description))")
        }
    }

    func capture(caseId: String) async throws -> EditedResponse<Recorded> {
        try await WorkflowGate.check(runtime, caseId: caseId, kind: .photoCaptured)
        let result: (receipt: Outbox.Receipt, photo: PhotoCapture)
        do {
            result = try await station.capture(caseId: caseId)
        } catch {
            switch error {
            case .camera(.photoRefused(let assessment)):
                throw HTTPError(.unprocessableContent, message: assessment.refusal?.hint ?? error.german)
            case .camera:
                throw HTTPError(.serviceUnavailable, message: "\(error.german) (\(error.description))")
            case .evidence(let evidence):
                throw HTTPError(EvidenceController<Context>.status(for: evidence), message: evidence.description)
            }
        }
        await sync.trigger()
        let facts = PhotoStation.facts(for: result.photo, camera: nil)
        return EditedResponse(
            status: .created,
            response: Recorded(
                seq: result.receipt.seq, txId: result.receipt.txId.uuidString.lowercased(),
                imageSHA256: facts.imageSHA256, width: result.photo.width, height: result.photo.height,
                checks: Self.checks(result.photo.assessment)))
    }
}
