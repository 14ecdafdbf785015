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

    func withHandle<T>(_ body: (Handle) throws -> T) throws -> T {
        lock.lock()
        let pooled = idle.popLast()
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
            if h.directory != ifdOffset {
                h.directory = nil
                guard TIFFSetSubDirectory(h.tif, ifdOffset) == 1 else {
                    throw FormatError("libtiff cannot read the IFD at offset \(ifdOffset): \(h.firstError)")
                }
                if layout.compression == 7, layout.photometric == 6 {
                    _ = omio_tiff_set_jpegcolormode_rgb(h.tif) // YCbCr JPEG decoded to RGB
                }
                h.directory = ifdOffset
            }
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
}
