import Foundation

/// The front door of OmioFormats: detects a file's format from its first bytes and opens it.
public enum ImageOpener {
    /// One format's reader, declared next to it (libvips style): the file endings it reads, its
    /// priority, and how it recognizes a file. The browser's "looks supported" and the export
    /// name are derived from these declarations, so a new ending is added in one place.
    public struct Reader: Sendable {
        public let name: String
        /// Lower-case endings of the files it reads (`.ome.tif` as well as `.tif`).
        public let suffixes: [String]
        /// Readers are asked in order of priority, highest first: one that claims by name
        /// must come before one whose magic bytes its files may happen to start with.
        public let priority: Int
        /// True when this reader claims the path, from its first bytes (and name).
        public let claims: @Sendable (_ path: String, _ head: [UInt8]) -> Bool
        public let open: @Sendable (_ path: String) throws -> ImageSource

        public init(name: String, suffixes: [String], priority: Int, claims: @escaping @Sendable (String, [UInt8]) -> Bool,
                    open: @escaping @Sendable (String) throws -> ImageSource) {
            self.name = name
            self.suffixes = suffixes
            self.priority = priority
            self.claims = claims
            self.open = open
        }
    }

    /// The TIFF family: plain, BigTIFF, OME-TIFF, ImageJ, Zeiss LSM. Last: the most general.
    static let tiff = Reader(
        name: "tiff",
        suffixes: [".tif", ".tiff", ".ome.tif", ".ome.tiff", ".btf", ".tf8", ".lsm"],
        priority: 0,
        claims: { _, head in
            head.count >= 4 && ((head[0] == 0x49 && head[1] == 0x49) || (head[0] == 0x4D && head[1] == 0x4D))
        },
        open: { try TIFFFamilyReader.open(path: $0) }
    )

    /// Every reader, highest priority first.
    static let readers: [Reader] = [CZISource.registration, ThorlabsRawSource.registration, tiff].sorted { $0.priority > $1.priority }

    /// Opens any supported file; every failure is an `OmioError` naming the path.
    public static func open(path: String) throws -> ImageSource {
        if RemoteStores.isRemote(path) { return try openRemoteZarr(path) }
        try LexicalPath.checkSameFile(path)
        if let store = try openZarrFolder(path) { return store }
        let head: [UInt8]
        do {
            let f = try FileReader(path: path)
            head = try f.read(at: 0, count: Int(min(64, f.size)))
        } catch {
            throw OmioError(path, error.omioReason)
        }
        guard let reader = readers.first(where: { $0.claims(path, head) }) else {
            throw OmioError(path, head.isEmpty ? "empty file" : "not a supported microscopy file (unknown format)")
        }
        do {
            return try reader.open(path)
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(path, error.omioReason)
        }
    }

    /// A cheap guess from the name alone, for dimming non-image files in the browser.
    public static func looksSupported(name: String) -> Bool { supportedSuffix(of: name) != nil }

    /// The longest ending of `name` some reader declares (`.ome.tif` rather than `.tif`), as
    /// written in the name; nil when none does.
    public static func supportedSuffix(of name: String) -> String? {
        let lower = name.lowercased()
        guard let suffix = readers.flatMap(\.suffixes).filter({ lower.hasSuffix($0) }).max(by: { $0.count < $1.count }) else { return nil }
        return String(name.suffix(suffix.count))
    }
}
