import Foundation
import OmioFormats

/// Writes a sub-stack (`SubStackSource`) to .npy, OME-TIFF or OME-Zarr, streamed: each output
/// band is read from the source just before it is written, so memory is a band (or an OME-TIFF
/// strip, or the store's chunks in flight), not the output. Shared by `slice` and the TUI.
public enum SubStackExport {
    public enum Format: Equatable, Sendable {
        /// TZCYX in C order, without the axes in `drop` (indices 0...4 into TZCYX; each must
        /// have length 1: numpy's rule for an axis taken by one index, or `squeeze`).
        case npy(drop: Set<Int>)
        case omeTIFF
        case omeZarr

        /// By the output's name: `.ome.tif(f)`, `.ome.zarr` (or `.zarr`), anything else
        /// (`-`, `/dev/null`, `.npy`) .npy.
        public static func of(output: String) -> Format {
            let name = output.lowercased()
            if name.hasSuffix(".ome.tif") || name.hasSuffix(".ome.tiff") { return .omeTIFF }
            if name.hasSuffix(".zarr") || name.hasSuffix(".zarr/") { return .omeZarr }
            return .npy(drop: [])
        }
    }

    /// Progress in bytes of samples written.
    public typealias Progress = (_ done: Int64, _ total: Int64) -> Void

    /// Writes `sub` to `output` (checked by OutputTarget's rules: never over what the source
    /// reads). Returns the path written (a store's folder for OME-Zarr).
    @discardableResult
    public static func write(_ sub: SubStackSource, to output: String, format: Format,
                             compression: TIFFPageSpec.Compression = .none, progress: Progress = { _, _ in }) throws -> String {
        let m = sub.metadata(series: 0)
        let total = Int64(m.shape.planeCount) * Int64(m.shape.y * m.shape.x * m.dtype.bytes)
        switch format {
        case let .npy(drop):
            let target = try OutputTarget.resolve(output, reading: sub.parent)
            try wrapWrite(output) {
                try target.write { fd in try writeNPY(sub, drop: drop, fd: fd, total: total, progress: progress) }
            }
        case .omeTIFF:
            let target = try OutputTarget.resolve(output, reading: sub.parent, seekable: true)
            let rowBytes = Int64(m.shape.x * m.dtype.bytes)
            var done: Int64 = 0
            try wrapWrite(output) {
                try OMETIFFWriter.write(metadata: m, to: target, compression: compression, rows: { p, rows in
                    let band = try sub.read(series: 0, level: 0, plane: p, region: PixelRegion(rows: rows, cols: 0..<m.shape.x))
                    done += Int64(rows.count) * rowBytes
                    progress(done, total)
                    return band.bytes
                })
            }
        case .omeZarr:
            return try writeStore(sub, to: output, total: total, progress: progress)
        }
        return output
    }

    private static func writeNPY(_ sub: SubStackSource, drop: Set<Int>, fd: Int32, total: Int64, progress: Progress) throws {
        let m = sub.metadata(series: 0)
        let shape = m.shape.array.enumerated().filter { !(drop.contains($0.offset) && $0.element == 1) }.map(\.element)
        let header = NPYWriter.header(dtype: m.dtype, shape: shape)
        try header.withUnsafeBytes { try AtomicFile.writeAll(fd, $0) }
        var done: Int64 = 0
        try BandStream.forEach(sub) { _, _, band in
            try band.bytes.withUnsafeBytes { try AtomicFile.writeAll(fd, $0) }
            done += Int64(band.bytes.count)
            progress(done, total)
        }
    }

    /// Through the store builder (OME-Zarr 0.5, pyramid, omio-tui's manifest): an existing
    /// folder is replaced only when omio-tui made it, and the same sub-stack of an unchanged
    /// source is found up to date and left as it is (the selection is part of the manifest).
    private static func writeStore(_ sub: SubStackSource, to output: String, total: Int64, progress: Progress) throws -> String {
        var path = LexicalPath.absolute(output) // the store code walks up parent folders
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        try OutputTarget.refuseStoreOverInputs(path, inputs: sub.inputFiles + OverlayStore.inputFiles(for: sub.path))
        let location = StoreLocation(storePath: path)
        let lockExisted = FileManager.default.fileExists(atPath: location.lockPath)
        let request = StoreRequest(series: 0, overlayHash: "slice \(sub.stack) of series \(sub.parentSeries) "
                                   + (OverlayStore.load(for: sub.path).hash(series: sub.parentSeries) ?? ""), role: .output)
        defer { if !lockExisted { unlink(location.lockPath) } } // a user-named output leaves no lock file beside it
        let built = try withoutActuallyEscaping(progress) { report in
            try StoreBuilder.ensure(source: sub, request: request, location: location) { p in report(p.bytesDone, p.bytesTotal) }
        }
        if built.reused { progress(total, total) }
        return built.path
    }

    private static func wrapWrite(_ output: String, _ body: () throws -> Void) throws {
        do { try body() } catch let e as OmioError { throw e } catch { throw OmioError(output, error.omioReason) }
    }
}

extension OutputTarget {
    /// A store folder is never one of the files the source reads (a folder is refused anyway
    /// unless omio-tui made it; this catches a source or sidecar at that name, links included).
    static func refuseStoreOverInputs(_ path: String, inputs: [String]) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        try refuseInputs(st, target: path, inputs: inputs)
    }
}
