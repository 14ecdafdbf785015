import Foundation
import OmioFormats

/// Writes a series, with its corrected metadata, as a new OME-TIFF: plane by plane (memory is
/// one plane), progress per plane, never over an existing file unless forced, never over its
/// own source.
public enum Exporter {
    public static func export(_ source: ImageSource, series: Int, metadata: ImageMetadata, to output: String,
                              compression: TIFFPageSpec.Compression, force: Bool,
                              progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        let out = URL(fileURLWithPath: output).standardizedFileURL.path
        if sameFile(out, source.path) {
            throw OmioError(output, "refusing to write over the source file")
        }
        if FileManager.default.fileExists(atPath: out), !force {
            throw OmioError(output, "exists; use --force to overwrite")
        }
        do {
            try OMETIFFWriter.write(metadata: metadata, to: out, compression: compression, plane: { p in
                try source.readPlane(series: series, plane: p)
            }, progress: progress)
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(output, error.omioReason)
        }
    }

    /// Same file by device and inode (catches links and different spellings of one path).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
