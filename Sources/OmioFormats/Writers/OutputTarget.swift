import Foundation

/// A file the user named with `-o`, checked before any work and written the one safe way for
/// what it is. The rules every command that writes a user-named output follows:
/// - never over a file the command reads (the source, a member of its multi-file set, its
///   sidecar), whatever the spelling: compared by device and inode, so a hard link, a symlink or
///   `./a.tif` for `a.tif` is caught;
/// - a regular file (new or existing) is written to a temporary name, fsynced and renamed; a
///   symlink is followed and its target replaced, so the link stays a link;
/// - a FIFO or a character device (`/dev/null`, a named pipe) is opened and written directly:
///   temp + rename would put a regular file in place of the device node;
/// - `-` (and `/dev/stdout`, `/dev/fd/N`) writes to that descriptor, refused on a terminal;
/// - a folder, a block device or a socket is refused with the reason.
public struct OutputTarget: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A regular file (or a new name): temp + fsync + rename at `path`.
        case file
        /// A FIFO or character device, opened for writing at `path`.
        case device
        /// An inherited descriptor (`-` is 1): written as is, never closed.
        case descriptor(Int32)
    }

    /// The name the user gave (for messages).
    public let given: String
    /// Where the bytes go: the given path with symlinks followed for an existing file.
    public let path: String
    public let kind: Kind
    /// A regular file is already there (for `--force` rules).
    public let exists: Bool

    /// Checks `spec` before any work. `inputs` are the files the command reads; `seekable`
    /// refuses what cannot seek (writers that patch offsets after the data).
    public static func resolve(_ spec: String, inputs: [String], seekable: Bool = false) throws -> OutputTarget {
        guard !spec.isEmpty else { throw OmioError(spec, "the output path is empty") }
        if let fd = descriptorNumber(spec) {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw OmioError(spec, "descriptor \(fd) is not open") }
            if seekable { throw OmioError(spec, notSeekable) }
            let target = OutputTarget(given: spec, path: spec, kind: .descriptor(fd), exists: false)
            try target.refuseTerminal(fd)
            try refuseInputs(st, target: spec, inputs: inputs)
            return target
        }
        try refuseInsideInputFolders(spec, inputs: inputs)
        var st = stat()
        if stat(spec, &st) != 0 {
            let err = errno
            var link = stat()
            if lstat(spec, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                throw OmioError(spec, "is a symbolic link to a missing file; name the file itself")
            }
            guard err == ENOENT else { throw OmioError(spec, SystemErrorReason.of(errno: err)) }
            try refuseMissingInputs(spec, inputs: inputs)
            return try newFile(spec)
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw OmioError(spec, "is a folder; give a file name for the output")
        case S_IFREG:
            try refuseInputs(st, target: spec, inputs: inputs)
            return OutputTarget(given: spec, path: followingLinks(spec), kind: .file, exists: true)
        case S_IFCHR, S_IFIFO:
            if seekable, (st.st_mode & S_IFMT) == S_IFIFO { throw OmioError(spec, notSeekable) }
            return OutputTarget(given: spec, path: spec, kind: .device, exists: true)
        case S_IFBLK:
            throw OmioError(spec, "is a block device; refusing to write to it")
        default:
            throw OmioError(spec, "is not a file, FIFO or character device; refusing to write to it")
        }
    }

    static let notSeekable = "this format cannot be streamed to a pipe or standard output (its writer goes back to patch offsets); give a file name"

    /// `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: an open descriptor.
    /// (Followed as paths, they lead into /proc, where a temporary file cannot be renamed.)
    static func descriptorNumber(_ spec: String) -> Int32? {
        switch spec {
        case "-", "/dev/stdout": return STDOUT_FILENO
        case "/dev/stderr": return STDERR_FILENO
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where spec.hasPrefix(prefix) {
                return Int32(spec.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// A symlink's final target, so the rename replaces the file and the link stays a link.
    static func followingLinks(_ spec: String) -> String {
        var link = stat()
        guard lstat(spec, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK, let real = realpath(spec, nil) else { return spec }
        defer { free(real) }
        return String(cString: real)
    }

    /// A name that does not exist yet: its folder must.
    static func newFile(_ spec: String) throws -> OutputTarget {
        if spec.hasSuffix("/") { throw OmioError(spec, "is not an existing folder, and a file name cannot end with '/'") }
        let folder = (spec as NSString).deletingLastPathComponent
        var st = stat()
        guard stat(folder.isEmpty ? "." : folder, &st) == 0 else {
            throw OmioError(spec, "the folder \(folder) does not exist")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OmioError(spec, "\(folder) is not a folder") }
        return OutputTarget(given: spec, path: spec, kind: .file, exists: false)
    }

    /// `inputs[0]` is the source; the others are files it reads (members, sidecars).
    public static func refuseInputs(_ out: stat, target: String, inputs: [String]) throws {
        for (i, input) in inputs.enumerated() {
            var st = stat()
            guard stat(input, &st) == 0, st.st_dev == out.st_dev, st.st_ino == out.st_ino else { continue }
            if i > 0 { throw OmioError(target, "is \(input), which the source \(inputs[0]) reads; refusing to write over it") }
            let how = input == target ? "" : "is the source \(input) under another name or through a link; "
            throw OmioError(target, how + "refusing to write over the source")
        }
    }

    /// A new name can still be an input: a sidecar the source would read once it exists (a
    /// `.npy` written there makes every later `info` warn and `set` refuse). Compared by
    /// folder (device and inode) and file name, so any spelling of the folder is caught.
    static func refuseMissingInputs(_ spec: String, inputs: [String]) throws {
        let name = (spec as NSString).lastPathComponent
        guard let folder = folderIdentity(spec) else { return }
        for input in inputs.dropFirst() where (input as NSString).lastPathComponent == name {
            guard let other = folderIdentity(input), other == folder else { continue }
            throw OmioError(spec, "is \(input), which the source \(inputs[0]) reads; refusing to write over it")
        }
    }

    /// The device and inode of the folder holding `path`.
    private static func folderIdentity(_ path: String) -> [UInt64]? {
        let folder = (path as NSString).deletingLastPathComponent
        var st = stat()
        guard stat(folder.isEmpty ? "." : folder, &st) == 0 else { return nil }
        return [UInt64(st.st_dev), UInt64(st.st_ino)]
    }

    func refuseTerminal(_ fd: Int32) throws {
        if isatty(fd) == 1 {
            throw OmioError(given, "is a terminal; redirect the output (`> out.npy`) or give a file name")
        }
    }

    /// Writes through `body(fd)`: temp + fsync + rename for a file, straight to a device or
    /// descriptor. A device that is a terminal is refused here (open decides what it is).
    public func write(_ body: (Int32) throws -> Void) throws {
        switch kind {
        case .file:
            try AtomicFile.write(to: path, body)
        case .device:
            let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else { throw OmioError(given, "cannot open: \(SystemErrorReason.of(errno: errno))") }
            defer { close(fd) }
            try refuseTerminal(fd)
            try body(fd)
        case let .descriptor(fd):
            try body(fd)
        }
    }

    public func write(_ data: Data) throws {
        try write { fd in try data.withUnsafeBytes { try AtomicFile.writeAll(fd, $0) } }
    }
}
