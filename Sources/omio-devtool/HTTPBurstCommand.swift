import ArgumentParser
import Foundation
import OmioFixtures
import OmioFormats

/// `omio-devtool http-burst`: N GETs through HTTPKeyStore.getMany against the test server with
/// injected latency: how the transport (libcurl easy handles) behaves with many requests in flight.
/// Prints one JSON line: seconds, requests, the server's most requests in flight at once.
struct HTTPBurstCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-burst",
        abstract: "Time N parallel GETs of the remote store against the test server (transport behaviour).",
        shouldDisplay: false
    )

    @Option(help: "Keys fetched.") var requests = 100
    @Option(help: "GETs in flight at once.") var concurrency = 100
    @Option(help: "Server latency per request, ms.") var latency = 50
    @Option(help: "Bytes per key.") var bytes = 100_000
    @Flag(help: "Call get() from DispatchQueue.concurrentPerform (GCD's threads) instead of getMany.") var gcd = false

    func run() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        for i in 0..<requests { try body.write(to: URL(fileURLWithPath: "\(dir)/k\(i)")) }
        let server = try ZarrHTTPServer(folder: dir, options: ["--latency", "\(latency)"])
        defer { server.stop() }
        let stats = HTTPStats()
        let store = try HTTPKeyStore(url: server.baseURL, cache: nil, stats: stats, concurrency: concurrency)
        let start = Date()
        let keys = (0..<requests).map { "k\($0)" }
        let got: [String: [UInt8]?]
        if gcd {
            let lock = NSLock()
            nonisolated(unsafe) var out: [String: [UInt8]?] = [:]
            let g = DispatchGroup(), q = DispatchQueue(label: "burst", attributes: .concurrent)
            for i in 0..<requests {
                q.async(group: g) {
                    let v = try? store.get(keys[i])
                    lock.withLock { out[keys[i]] = v }
                }
            }
            g.wait()
            got = out
        } else {
            got = try store.getMany(keys)
        }
        let seconds = Date().timeIntervalSince(start)
        guard got.values.allSatisfy({ $0?.count == bytes }) else { throw ValidationError("a body came back wrong") }
        let s = try server.stats()
        print(String(format: #"{"seconds": %.3f, "requests": %d, "concurrency": %d, "latency_ms": %d, "server_max_in_flight": %d, "ideal_seconds": %.3f}"#,
                     seconds, stats.snapshot.requests, concurrency, latency, s.max_in_flight,
                     Double((requests + concurrency - 1) / concurrency) * Double(latency) / 1000))
    }
}
