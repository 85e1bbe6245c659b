import ArgumentParser
import KitCore

@main
struct KitSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kit-sim",
        abstract: "Device simulators for tests and demos, speaking each device's real wire protocol.",
        version: KitVersion.release,
        subcommands: [
            ZVTCommand.self, CardCommand.self, SignaturePadCommand.self, FingerprintCommand.self, CameraCommand.self,
            ConsumerCommand.self, WSQCommand.self,
        ]
    )
}
