import ArgumentParser
import Foundation
import KitAgent

extension KitAgentCommand {
    struct Photo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the biometric photo with the kit's camera, or show the live checks.",
            discussion: """
                Without --case: one camera frame's checks (face, eyes, size, position, pose, sharpness, \
                exposure, background) with a traffic light and the German hint each; nothing is recorded. \
                With --case: a short burst, the best frame that passes every required check is recorded \
                as photo.captured (ISO/IEC 19794-5 record, the image's SHA-256 in the signed facts). The \
                camera is camera.source (default v4l2src device=/dev/video0; docs/camera.md).
                """
        )

        @OptionGroup var options: AgentOptions
        @Option(name: .customLong("case"), help: "The case id; without it only the checks are shown.")
        var caseId: String?

        func run() async throws {
            let stateDirectory = try await options.resolveStateDirectory()
            let answer = try await LocalAPIClient(stateDirectory: stateDirectory).photo(caseId: caseId)
            if let caseId, let seq = answer.seq {
                print("photo recorded for case \(caseId) as transaction \(seq)")
                print("  \(answer.width ?? 0)x\(answer.height ?? 0), image SHA-256 \(answer.imageSHA256 ?? "?")")
            } else {
                print(answer.acceptable == true ? "the photo may be taken" : (answer.hint ?? "not yet"))
            }
            for check in answer.checks {
                let value = check.value.map { " (\($0))" } ?? ""
                print(
                    "  \(check.light.padding(toLength: 5, withPad: " ", startingAt: 0)) \(check.check)\(value)"
                        + (check.hint.map { ": \($0)" } ?? ""))
            }
        }
    }
}
