import CTIFF
import Foundation

/// Decodes compressed strips and tiles through libtiff. A TIFF handle is not thread-safe, so
/// handles are pooled: each decode borrows one, jumps to the IFD by offset (never walking the
/// chain), and gives it back. libtiff's messages go to a per-handle log, never to stderr.
final class LibTIFFDecoder: @unchecked Sendable {
    let path: String
    private var idle: [Handle] = []
    private let lock = NSLock()

    /// libtiff refuses single allocations above this (corrupt sizes in headers).
    static let maxSingleAllocation = 1 << 30

    private static let silenceGlobalHandlers: Void = { omio_tiff_silence_global_handlers() }()

    final class Handle {
        let tif: OpaquePointer
        let log: UnsafeMutablePointer<omio_tiff_log>
        var directory: UInt64?
        /// Where this handle's scanline decoder stands after `decodeRows`: the next row it
        /// decodes without restarting the strip. Nil after any other use.
        var position: StripPosition?

        init(tif: OpaquePointer, log: UnsafeMutablePointer<omio_tiff_log>) {
            self.tif = tif
            self.log = log
        }

        deinit {
            TIFFClose(tif)
            log.deallocate()
        }

        func resetLog() {
            log.pointee.error_count = 0
            log.pointee.warning_count = 0
        }

        var firstError: String {
            withUnsafeBytes(of: log.pointee.first_error) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
    }

    init(path: String) {
        self.path = path
        _ = LibTIFFDecoder.silenceGlobalHandlers
    }

    private func openHandle() throws -> Handle {
        let log = UnsafeMutablePointer<omio_tiff_log>.allocate(capacity: 1)
        log.initialize(to: omio_tiff_log())
        guard let opts = TIFFOpenOptionsAlloc() else {
            log.deallocate()
            throw FormatError("libtiff could not allocate options")
        }
        defer { TIFFOpenOptionsFree(opts) }
        TIFFOpenOptionsSetMaxSingleMemAlloc(opts, tmsize_t(LibTIFFDecoder.maxSingleAllocation))
        omio_tiff_options_attach_log(opts, log)
        // r: read; m: no mmap (a file truncated under a mapping raises SIGBUS); c: no strip
        // chopping (keep the strip map we index); h: skip the first directory (we jump by
        // offset); O: load strip/tile offsets on demand.
        guard let tif = TIFFOpenExt(path, "rmchO", opts) else {
            let message = withUnsafeBytes(of: log.pointee.first_error) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            log.deallocate()
            throw FormatError(message.isEmpty ? "libtiff cannot open the file" : message)
        }
        return Handle(tif: tif, log: log)
    }

    /// A strip's scanline decoder state: decoding resumes at `nextRow` without restarting.
    struct StripPosition: Equatable {
        var ifd: UInt64
        var strip: Int
        var nextRow: Int
    }

    /// Runs `body` with an idle handle (the last one `prefer` accepts, else any), or a new one.
    func withHandle<T>(prefer: (Handle) -> Bool = { _ in false }, _ body: (Handle) throws -> T) throws -> T {
        lock.lock()
        let pooled = idle.lastIndex(where: prefer).map { idle.remove(at: $0) } ?? idle.popLast()
        lock.unlock()
        let handle = try pooled ?? openHandle()
        defer {
            lock.lock()
            if idle.count < 8 { idle.append(handle) }
            lock.unlock()
        }
        return try body(handle)
    }

    /// Decodes chunk `index` of the IFD at `ifdOffset` into `buffer`; returns the bytes decoded.
    func decode(ifdOffset: UInt64, layout: TIFFPageLayout, index: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try withHandle { h in
            h.resetLog()
            h.position = nil
            try enter(h, ifdOffset: ifdOffset, layout: layout)
            let n = layout.tiled
                ? TIFFReadEncodedTile(h.tif, UInt32(index), buffer.baseAddress, tmsize_t(buffer.count))
                : TIFFReadEncodedStrip(h.tif, UInt32(index), buffer.baseAddress, tmsize_t(buffer.count))
            if n < 0 || h.log.pointee.error_count > 0 {
                let what = layout.tiled ? "tile" : "strip"
                let detail = h.firstError.isEmpty ? "decoding failed" : h.firstError
                throw FormatError("\(what) \(index) cannot be decoded (\(TIFFCompression.name(layout.compression))): \(detail)")
            }
            return Int(n)
        }
    }

    /// Decodes strip `index` row by row up to the last of `rows` (image rows inside the strip,
    /// ascending) and hands each of them to `body` with its stored bytes; only one row is held
    /// at a time, however big the strip. A handle remembers where its decoder stopped, so
    /// reading a tall strip band after band, in order, decodes each row once.
    func decodeRows(ifdOffset: UInt64, layout: TIFFPageLayout, strip index: Int, rows: [Int],
                    _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        guard let first = rows.first, let last = rows.last else { return }
        let stripTop = (index % layout.chunksPerPlane) * layout.chunkHeight
        let sample = layout.separatePlanes ? index / layout.chunksPerPlane : 0
        func resumes(_ p: StripPosition?) -> Bool {
            guard let p else { return false }
            return p.ifd == ifdOffset && p.strip == index && p.nextRow <= first
        }
        try withHandle(prefer: { resumes($0.position) }) { h in
            h.resetLog()
            var start = stripTop
            if resumes(h.position), let p = h.position {
                start = p.nextRow
            } else {
                // Re-enter the IFD: libtiff would take a strip it last decoded whole as already
                // started, and continue from its end.
                h.directory = nil
            }
            h.position = nil
            try enter(h, ifdOffset: ifdOffset, layout: layout)
            let size = max(layout.chunkRowBytes, Int(TIFFScanlineSize64(h.tif)))
            let row = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { row.deallocate() }
            var next = 0
            for y in start...last {
                guard TIFFReadScanline(h.tif, row.baseAddress, UInt32(y), UInt16(sample)) == 1, h.log.pointee.error_count == 0 else {
                    // The handle goes back to the pool: the next read must not resume a decoder
                    // that failed, nor trust libtiff's idea of the current directory.
                    h.position = nil
                    h.directory = nil
                    let detail = h.firstError.isEmpty ? "decoding failed" : h.firstError
                    throw FormatError("strip \(index) cannot be decoded at row \(y) (\(TIFFCompression.name(layout.compression))): \(detail)")
                }
                h.position = StripPosition(ifd: ifdOffset, strip: index, nextRow: y + 1)
                while next < rows.count, rows[next] < y { next += 1 }
                if next < rows.count, rows[next] == y {
                    try body(y, UnsafeRawBufferPointer(rebasing: row[0..<layout.chunkRowBytes]))
                    next += 1
                }
            }
        }
    }

    /// Points the handle at the IFD at `offset` unless it is there already.
    private func enter(_ h: Handle, ifdOffset: UInt64, layout: TIFFPageLayout) throws {
        guard h.directory != ifdOffset else { return }
        h.directory = nil
        h.position = nil
        guard TIFFSetSubDirectory(h.tif, ifdOffset) == 1 else {
            throw FormatError("libtiff cannot read the IFD at offset \(ifdOffset): \(h.firstError)")
        }
        if layout.compression == 7, layout.photometric == 6 {
            _ = omio_tiff_set_jpegcolormode_rgb(h.tif) // YCbCr JPEG decoded to RGB
        }
        h.directory = ifdOffset
    }
}
