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

        /// The endings `of` accepts, for the usage line that refuses any other.
        public static let endings = ".npy, .ome.tif (or .ome.tiff, .tif, .tiff, .btf, .tf8), .ome.zarr (or .zarr), "
            + "or - (.npy on standard output)"

        static let tiffEndings = [".ome.tif", ".ome.tiff", ".tif", ".tiff", ".btf", ".tf8"]

        /// By the output's name: a TIFF ending is an OME-TIFF, `.zarr` (`.ome.zarr`) an
        /// OME-Zarr store, `.npy`, `-` and an existing device or FIFO (`/dev/null`) a .npy. Any
        /// other name is nil: guessing .npy wrote NumPy bytes into `crop.png`.
        public static func of(output: String) -> Format? {
            var name = output.lowercased()
            while name.count > 1, name.hasSuffix("/") { name.removeLast() }
            if tiffEndings.contains(where: name.hasSuffix) { return .omeTIFF }
            if name.hasSuffix(".zarr") { return .omeZarr }
            if name.hasSuffix(".npy") || ["-", "/dev/stdout", "/dev/stderr"].contains(output) { return .npy(drop: []) }
            var st = stat()
            if stat(output, &st) == 0, [S_IFCHR, S_IFIFO].contains(st.st_mode & S_IFMT) { return .npy(drop: []) }
            return nil
        }

        /// Why `output` names no format (one line, for a usage error).
        public static func refusal(_ output: String) -> String {
            "\(output) names no output format: end it in \(endings)"
        }
    }

    /// Where a sub-stack goes, checked once before any work: a file (or device, or standard
    /// output) by OutputTarget's rules, or a store folder.
    public enum Destination: Sendable {
        case file(OutputTarget)
        case store(String)
    }

    /// Checks `output` for `format` against everything `source` reads (never over the source,
    /// its sidecar, or a device or folder omio-tui did not make).
    public static func destination(_ output: String, format: Format, reading source: ImageSource) throws -> Destination {
        switch format {
        case .npy: return .file(try OutputTarget.resolve(output, reading: source))
        case .omeTIFF: return .file(try OutputTarget.resolve(output, reading: source, seekable: true))
        case .omeZarr:
            var path = LexicalPath.absolute(output) // the store code walks up parent folders
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            try OutputTarget.refuseStoreOverInputs(path, inputs: source.inputFiles + OverlayStore.inputFiles(for: source.path))
            return .store(path)
        }
    }

    /// Progress in bytes of samples written. Escaping: the store builder keeps its progress
    /// callback in worker threads that may end after `ensure` returns (a
    /// withoutActuallyEscaping wrapper trapped there when a build finished fast, on tmpfs).
    public typealias Progress = (_ done: Int64, _ total: Int64) -> Void

    /// Writes `sub` to `output` (checked by OutputTarget's rules: never over what the source
    /// reads). Returns the path written (a store's folder for OME-Zarr).
    @discardableResult
    public static func write(_ sub: SubStackSource, to output: String, format: Format,
                             compression: TIFFPageSpec.Compression = .none, progress: @escaping Progress = { _, _ in }) throws -> String {
        try write(sub, to: destination(output, format: format, reading: sub.parent), format: format,
                  compression: compression, progress: progress)
    }

    /// Writes `sub` to a destination `destination(_:format:reading:)` checked.
    @discardableResult
    public static func write(_ sub: SubStackSource, to destination: Destination, format: Format,
                             compression: TIFFPageSpec.Compression = .none, progress: @escaping Progress = { _, _ in }) throws -> String {
        // The strip/tile table against the size the header claims, before any band is read:
        // a lying header fails at once, as in `cache build`, not after minutes of bands.
        try sub.checkStorage(series: 0)
        let m = sub.metadata(series: 0)
        let total = m.shape.byteCount(bytesPerSample: m.dtype.bytes)
        switch (destination, format) {
        case let (.file(target), .npy(drop)):
            try wrapWrite(target.given) {
                try target.write { fd in try writeNPY(sub, drop: drop, fd: fd, total: total, progress: progress) }
            }
            return target.given
        case let (.file(target), .omeTIFF):
            let name = target.given.lowercased()
            let big: Bool? = name.hasSuffix(".btf") || name.hasSuffix(".tf8") ? true : nil // BigTIFF by name
            var bands = HeldBand(sub)
            var done: Int64 = 0
            let rowBytes = Int64(m.shape.x * m.dtype.bytes)
            try wrapWrite(target.given) {
                try OMETIFFWriter.write(metadata: m, to: target, compression: compression, bigTIFF: big, rows: { p, rows in
                    done += Int64(rows.count) * rowBytes
                    defer { progress(done, total) }
                    return try bands.rows(p, rows)
                })
            }
            return target.given
        case let (.store(path), .omeZarr):
            return try writeStore(sub, to: path, total: total, progress: progress)
        default:
            throw OmioError(sub.path, "internal: \(format) does not go to \(destination)")
        }
    }

    /// The OME-TIFF writer asks for ~256 KiB strips; the source is read in bands along its
    /// stored grid (as BandStream reads them for .npy) and strips are cut from the band held,
    /// so each stored chunk is decoded once, not once per strip it feeds.
    struct HeldBand {
        let source: ImageSource
        let bandRows: Int
        let width: Int, height: Int, rowBytes: Int
        var plane: PlaneIndex?
        var band: Range<Int> = 0..<0
        var bytes: [UInt8] = []

        init(_ source: ImageSource) {
            self.source = source
            let m = source.metadata(series: 0)
            bandRows = BandStream.bandRows(source, series: 0)
            width = m.shape.x
            height = m.shape.y
            rowBytes = m.shape.x * m.dtype.bytes
        }

        mutating func rows(_ p: PlaneIndex, _ rows: Range<Int>) throws -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(rows.count * rowBytes)
            var y = rows.lowerBound
            while y < rows.upperBound {
                if plane != p || !band.contains(y) {
                    let top = y / bandRows * bandRows
                    band = top..<min(height, top + bandRows)
                    bytes = [] // the old band goes before the new one is read
                    bytes = try source.read(series: 0, level: 0, plane: p, region: PixelRegion(rows: band, cols: 0..<width)).bytes
                    plane = p
                }
                let end = min(rows.upperBound, band.upperBound)
                out += bytes[((y - band.lowerBound) * rowBytes)..<((end - band.lowerBound) * rowBytes)]
                y = end
            }
            return out
        }
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
    private static func writeStore(_ sub: SubStackSource, to path: String, total: Int64, progress: @escaping Progress) throws -> String {
        let location = StoreLocation(storePath: path)
        let lockExisted = FileManager.default.fileExists(atPath: location.lockPath)
        let request = StoreRequest(series: 0, overlayHash: "slice \(sub.stack) of series \(sub.parentSeries) " + (sub.overlayHash ?? ""), role: .output)
        // A user-named output leaves no lock file beside it, but the file is removed only while
        // this process holds it: another slice to the same store may be waiting on it (and,
        // if it is removed under it, StoreLock makes that waiter lock the new file instead).
        defer { if !lockExisted, let held = try? StoreLock.tryAcquire(location.lockPath) { held.removeFile() } }
        let built = try StoreBuilder.ensure(source: sub, request: request, location: location) { p in progress(p.bytesDone, p.bytesTotal) }
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
        try refuseInsideInputFolders(path, inputs: inputs)
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        try refuseInputs(st, target: path, inputs: inputs)
    }
}
