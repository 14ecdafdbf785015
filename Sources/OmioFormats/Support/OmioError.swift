/// A file that cannot be read, as one sentence. The CLI prints it as
/// `omio-tui: error: <path>: <reason>`; the TUI shows it in place of the file's content.
public struct OmioError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Errors raised below the level that knows the path; `OmioError` wraps them on the way up.
public struct FormatError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension Error {
    /// The sentence for a user: the reason alone, whatever layer the error came from.
    public var omioReason: String {
        switch self {
        case let e as OmioError: return e.reason
        case let e as FormatError: return e.reason
        default: return SystemErrorReason.of(self) ?? String(describing: self)
        }
    }
}
