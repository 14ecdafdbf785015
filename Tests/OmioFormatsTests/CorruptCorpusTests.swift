import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Every broken or fuzzed TIFF of the shared corpus gives a clean error or a valid reading:
/// no crash (this process would die), no hang, no huge allocation, errors in one line.
struct CorruptCorpusTests {
    static let files = TestPaths.files(in: TestPaths.corpus + "/corrupt")

    @Test func corpusIsPresent() {
        #expect(Self.files.count == 456)
    }

    @Test(arguments: files)
    func cleanErrorOrValidReading(path: String) throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let source = try ImageOpener.open(path: path)
            for s in 0..<source.seriesCount {
                let m = source.metadata(series: s)
                #expect(m.shape.planeCount >= 1)
                _ = m.json.serialized()
                let n = m.shape.planeCount
                for k in Set([0, n / 2, n - 1]) {
                    let p = PlaneIndex(t: k / (m.shape.z * m.shape.c), z: (k / m.shape.c) % m.shape.z, c: k % m.shape.c)
                    do {
                        let b = try source.readPlane(series: s, plane: p)
                        #expect(b.width == m.shape.x && b.height == m.shape.y)
                    } catch let e as OmioError {
                        #expect(!e.reason.isEmpty && !e.reason.contains("\n"))
                    }
                }
            }
            _ = source.rawTree()
        } catch let e as OmioError {
            #expect(!e.reason.isEmpty)
            #expect(!e.reason.contains("\n"), "error must be one line: \(e.reason)")
            #expect(e.path == path)
        }
        // A hang, not a slow debug build on a busy machine (the G4 file decodes 46 MB of planes).
        #expect(clock.now - start < .seconds(20))
    }
}
