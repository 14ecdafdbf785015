import Foundation
import OmioFormats

/// Writes a series, with its corrected metadata, as a new OME-TIFF: plane by plane (memory is
/// one plane), progress per plane, never over an existing file unless forced, never over a
/// file the source reads (see OutputTarget).
public enum Exporter {
    public static func export(_ source: ImageSource, series: Int, metadata: ImageMetadata, to output: String,
                              compression: TIFFPageSpec.Compression, force: Bool,
                              progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        let target = try OutputTarget.resolve(output, reading: source, seekable: true)
        if target.kind == .file, target.exists, !force {
            throw OmioError(output, "exists; use --force to overwrite")
        }
        do {
            try OMETIFFWriter.write(metadata: metadata, to: target, compression: compression, plane: { p in
                try source.readPlane(series: series, plane: p)
            }, progress: progress)
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(output, error.omioReason)
        }
    }
}

extension OutputTarget {
    /// An output checked against everything `source` reads: its files and its metadata sidecar.
    public static func resolve(_ output: String, reading source: ImageSource, seekable: Bool = false) throws -> OutputTarget {
        try resolve(output, inputs: source.inputFiles + OverlayStore.inputFiles(for: source.path), seekable: seekable)
    }
}
