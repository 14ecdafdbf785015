import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// The one way every tool opens a series: the index checked once, with one sentence, and the
/// sidecar's corrections applied.
@Suite struct CorrectedSeriesTests {
    @Test func appliesTheSidecar() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/stack.tif"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/wrong_spacing_Z8.tif", toPath: path)
        var overlay = OverlayStore.load(for: path)
        let file = try ImageOpener.open(path: path).metadata(series: 0)
        overlay.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: file)
        try OverlayStore.save(overlay)
        let opened = try CorrectedSeries.open(path: path)
        #expect(opened.metadata.physicalSizeZ == 5 && opened.fileMetadata.physicalSizeZ == file.physicalSizeZ)
        #expect(opened.overlayHash != nil && opened.overlayHash == overlay.hash(series: 0))
    }

    /// Opening and reading give the same error for a series the file lacks, whatever the format.
    @Test(arguments: ["rgb.tif", "ome_T4_Z2_C3.ome.tif"])
    func aMissingSeriesIsOneError(name: String) throws {
        let path = TestPaths.exampleData + "/" + name
        let source = try ImageOpener.open(path: path)
        let count = source.seriesCount
        let attempts: [() throws -> Void] = [
            { _ = try CorrectedSeries(source: source, series: count) },
            { _ = try source.read(series: count, level: 0, plane: PlaneIndex(), region: .full(width: 1, height: 1)) },
        ]
        for attempt in attempts {
            do {
                try attempt()
                Issue.record("series \(count) of \(name) opened")
            } catch let error as NoSuchSeries {
                #expect(error.path == path && error.series == count && error.count == count)
                #expect(error.omioReason == "series \(count) does not exist (the file has \(count))")
            }
        }
    }
}
