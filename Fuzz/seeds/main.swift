// `kit-fuzz-seeds RECORDINGS_DIR OUT_DIR`: writes OUT_DIR/<target>/seed-N for every fuzz target.
#if canImport(Glibc)
    import Glibc
#endif

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[..<count]
    }
    return bytes
}

func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let file = fopen(path, "wb") else { return false }
    defer { fclose(file) }
    return fwrite(bytes, 1, bytes.count, file) == bytes.count
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    fputs("usage: kit-fuzz-seeds RECORDINGS_DIR OUT_DIR\n", stderr)
    exit(2)
}
var recordings: [[UInt8]] = []
if let directory = opendir(arguments[1]) {
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name.hasSuffix(".blob") { names.append(name) }
    }
    closedir(directory)
    recordings = names.sorted().compactMap { readFile(arguments[1] + "/" + $0) }
}
guard !recordings.isEmpty else {
    fputs("kit-fuzz-seeds: no .blob recordings in \(arguments[1])\n", stderr)
    exit(1)
}
for target in FuzzTarget.allCases {
    let folder = arguments[2] + "/" + target.rawValue
    mkdir(folder, 0o755)
    let seeds = SeedCorpus.seeds(for: target, recordings: recordings).filter { !$0.isEmpty }
    guard !seeds.isEmpty else {
        fputs("kit-fuzz-seeds: no seed for \(target.rawValue)\n", stderr)
        exit(1)
    }
    for (index, seed) in seeds.enumerated() where !writeFile("\(folder)/seed-\(index)", seed) {
        fputs("kit-fuzz-seeds: cannot write \(folder)/seed-\(index)\n", stderr)
        exit(1)
    }
    print("\(target.rawValue): \(seeds.count) seeds")
}
