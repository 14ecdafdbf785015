import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// The file endings the browser shows as images come from the readers' own declarations:
/// a file omio-tui opens is never dimmed as "other" (`.btf` and `.tf8` were, while the
/// opener read them).
@Suite struct SupportedSuffixTests {
    /// Every real and example file that opens has a name the browser calls supported, and the
    /// reader that opened it declares that ending.
    @Test func everyFileThatOpensLooksSupported() throws {
        let files = TestPaths.files(in: TestPaths.exampleData) + TestPaths.files(in: TestPaths.corpus + "/real")
        var opened = 0
        for path in files {
            guard let source = try? ImageOpener.open(path: path) else { continue }
            opened += 1
            let name = (path as NSString).lastPathComponent
            #expect(ImageOpener.looksSupported(name: name), "\(name) opens but the browser dims it")
            let readerName = source.format == .czi ? "czi" : source.format == .thorlabsRaw ? "thorlabs-raw" : "tiff"
            let reader = ImageOpener.readers.first { $0.name == readerName }
            #expect(reader?.suffixes.contains { name.lowercased().hasSuffix($0) } == true, "\(name): \(source.format)")
        }
        #expect(opened >= 15, "the example data and the real corpus: \(files.count) files")
    }

    @Test(arguments: [
        ("stack.btf", ".btf"), ("stack.tf8", ".tf8"), ("a.OME.TIFF", ".OME.TIFF"), ("a.ome.tif", ".ome.tif"),
        ("scan.lsm", ".lsm"), ("Image.raw", ".raw"), ("s.czi", ".czi"),
    ])
    func longestDeclaredEnding(name: String, ending: String) {
        #expect(ImageOpener.supportedSuffix(of: name) == ending)
    }

    @Test(arguments: ["notes.txt", "Experiment.xml", "tif", "stack.tif.omio.json", ".omio_cache"])
    func otherNamesAreNot(name: String) {
        #expect(!ImageOpener.looksSupported(name: name))
    }

    /// Readers are asked highest priority first; Thorlabs RAW claims by name, so it must be
    /// asked before the TIFF reader whose magic bytes a raw dump may begin with.
    @Test func priorityOrdersTheReaders() {
        let names = ImageOpener.readers.map(\.name)
        #expect(names.firstIndex(of: "thorlabs-raw")! < names.firstIndex(of: "tiff")!)
        #expect(ImageOpener.readers.map(\.priority) == ImageOpener.readers.map(\.priority).sorted(by: >))
    }
}
