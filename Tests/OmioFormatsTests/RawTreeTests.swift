import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// The raw-tag tree previews long values from their first bytes: a fuzzed 390 KB file with
/// big arrays took 16 s through the sanitized fuzz harness when every value was read and
/// formatted (Fuzz/README.md; the input is a regression under Tests/FaultTests).
struct RawTreeTests {
    @Test func longArraysAndTextsArePreviewed() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/long-tags.tif"
        let text = "µm " + String(repeating: "x", count: 1_000_000)
        try AtomicFile.write(to: path) { fd in
            var spec = TIFFPageSpec(width: 4, height: 2, dtype: .uint8)
            spec.tags = [(TIFFTag.imageDescription, .ascii(text)), (65200, .longs((0..<200_000).map(UInt32.init)))]
            _ = try TIFFWriter(fd: fd).addPage(spec, pixels: [UInt8](repeating: 7, count: 8))
        }
        let tree = try ImageOpener.open(path: path).rawTree()
        let tags = try #require(tree.first { $0.label == "TIFF tags" }?.children.first?.children)
        let array = try #require(tags.first { $0.label == "Tag65200" }?.value)
        #expect(array.hasPrefix("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 … (200000 values)"), "\(array)")
        let description = try #require(tags.first { $0.label == "ImageDescription" }?.value)
        #expect(description.hasPrefix("µm xxx") && description.contains("… (\(text.utf8.count + 1) bytes)"), "\(description.prefix(200))")
    }
}
