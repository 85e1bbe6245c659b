import SyncServer

/// Runs the server until `body` returns, handing it the bound port.
func whileServing<Result>(_ application: SyncServerApplication, _ body: (Int) async throws -> Result)
    async throws -> Result
{
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let task = Task {
        defer { continuation.finish() }
        try await application.run { port in continuation.yield(port) }
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else {
        try await task.value
        throw CancellationError()
    }
    defer { task.cancel() }
    let result = try await body(port)
    task.cancel()
    try? await task.value
    return result
}
