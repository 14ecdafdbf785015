import Foundation

/// Plain words for what the system said, one wording wherever it is shown (the CLI's error line
/// and the TUI's status line): "permission denied", "no space left on device", never
/// Foundation's `Error Domain=NSCocoaErrorDomain Code=513 "…" UserInfo={…}`.
public enum SystemErrorReason {
    /// strerror(3) in lower case: "permission denied", "read-only file system".
    public static func of(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        // Only a capitalised word is lowered: "I/O error" stays as it is.
        guard let second = text.dropFirst().first, second.isLowercase else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// The reason for a Foundation error: its POSIX cause when it carries one, else the meaning of
    /// its CocoaError code; nil when `error` is neither.
    public static func of(_ error: Error) -> String? {
        if let posix = error as? POSIXError { return of(errno: posix.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return of(errno: Int32(ns.code)) }
        guard ns.domain == NSCocoaErrorDomain else { return nil }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return of(errno: Int32(underlying.code))
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return of(errno: ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return of(errno: EACCES)
        case .fileWriteOutOfSpace: return of(errno: ENOSPC)
        case .fileWriteVolumeReadOnly: return of(errno: EROFS)
        case .fileWriteFileExists: return of(errno: EEXIST)
        case .fileReadTooLarge: return of(errno: EFBIG)
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
        case .fileLocking: return "the file is locked"
        case .fileReadCorruptFile: return "the file is damaged"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "the text is not in the expected encoding"
        case .fileReadUnsupportedScheme, .fileWriteUnsupportedScheme: return "not a local file"
        case .fileReadUnknown: return "cannot be read"
        case .fileWriteUnknown: return "cannot be written"
        default: return "the operation failed (Foundation error \(ns.code))"
        }
    }
}
