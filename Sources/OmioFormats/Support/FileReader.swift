import Foundation

/// Random-access reads from a file with pread: thread-safe (no shared file position),
/// every read checked against the file size first, so a corrupt offset is an error and not a
/// short read or a huge allocation.
public final class FileReader: @unchecked Sendable {
    public let path: String
    public let size: UInt64
    private let fd: Int32

    /// Every image file is read through here, so this is where anything but a regular file is
    /// refused: a FIFO would block the open (until a writer comes) and a device like /dev/zero
    /// would feed bytes forever. Checked with stat before the open, and again with fstat after
    /// it (the name may have been swapped meanwhile); O_NONBLOCK keeps that open from waiting.
    public init(path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        try FileReader.checkRegular(st.st_mode)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        guard fstat(fd, &st) == 0 else {
            let reason = SystemErrorReason.of(errno: errno)
            close(fd)
            throw FormatError(reason)
        }
        do { try FileReader.checkRegular(st.st_mode) } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        self.size = UInt64(max(0, st.st_size))
    }

    deinit { close(fd) }

    /// "is a directory" for a folder; "not a regular file (a FIFO)" for the other kinds.
    static func checkRegular(_ mode: mode_t) throws {
        switch mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw FormatError("is a directory")
        case S_IFIFO: throw FormatError("not a regular file (a FIFO)")
        case S_IFCHR: throw FormatError("not a regular file (a character device)")
        case S_IFBLK: throw FormatError("not a regular file (a block device)")
        case S_IFSOCK: throw FormatError("not a regular file (a socket)")
        default: throw FormatError("not a regular file")
        }
    }

    /// True when `count` bytes at `offset` lie inside the file.
    public func contains(offset: UInt64, count: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(count)
        return !overflow && end <= size
    }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw FormatError("negative read size") }
        if count == 0 { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        return bytes
    }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        let count = buffer.count
        guard contains(offset: offset, count: UInt64(count)) else {
            throw FormatError("data at offset \(offset) (\(count) bytes) lies past the end of the file (\(size) bytes)")
        }
        var done = 0
        while done < count {
            let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError("read failed at offset \(offset): \(SystemErrorReason.of(errno: errno))")
            }
            if n == 0 { throw FormatError("file shrank while reading at offset \(offset)") }
            done += n
        }
    }
}

extension FileReader {
    /// A small file read whole (a sidecar, a companion XML), refused past `limit` bytes. The
    /// read loop stops at limit + 1 whatever st_size claims (a file may grow, /proc lies), and
    /// only a regular file is read: the open does not block on a FIFO, and a FIFO or a device
    /// could feed bytes forever.
    public static func contents(of path: String, limit: Int) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError("is not a regular file") }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: min(limit + 1, 64 << 10))
        while data.count <= limit {
            let want = min(chunk.count, limit + 1 - data.count)
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError("read failed: \(SystemErrorReason.of(errno: errno))")
            }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
        }
        throw FormatError("is over \(ByteCountFormatter.string(fromByteCount: Int64(limit), countStyle: .file))")
    }
}

/// Decodes integers and floats from a byte array in a file's byte order.
public struct ByteOrderReader {
    public let bigEndian: Bool

    public init(bigEndian: Bool) { self.bigEndian = bigEndian }

    @inline(__always)
    public func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
        let v = UInt16(b[i]) | UInt16(b[i + 1]) << 8
        return bigEndian ? v.byteSwapped : v
    }

    @inline(__always)
    public func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(b[i + k]) << (8 * UInt32(k)) }
        return bigEndian ? v.byteSwapped : v
    }

    @inline(__always)
    public func u64(_ b: [UInt8], _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
        return bigEndian ? v.byteSwapped : v
    }

    public func f32(_ b: [UInt8], _ i: Int) -> Float { Float(bitPattern: u32(b, i)) }
    public func f64(_ b: [UInt8], _ i: Int) -> Double { Double(bitPattern: u64(b, i)) }
}
