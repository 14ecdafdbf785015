import Foundation

/// The front door of OmioFormats: detects a file's format from its first bytes and opens it.
public enum ImageOpener {
    /// Format readers beyond the TIFF family register here (CZI, Thorlabs RAW).
    public struct Reader: Sendable {
        public let name: String
        /// True when this reader claims the path, from its first bytes (and name).
        public let claims: @Sendable (_ path: String, _ head: [UInt8]) -> Bool
        public let open: @Sendable (_ path: String) throws -> ImageSource

        public init(name: String, claims: @escaping @Sendable (String, [UInt8]) -> Bool,
                    open: @escaping @Sendable (String) throws -> ImageSource) {
            self.name = name
            self.claims = claims
            self.open = open
        }
    }

    static let tiff = Reader(
        name: "tiff",
        claims: { _, head in
            head.count >= 4 && ((head[0] == 0x49 && head[1] == 0x49) || (head[0] == 0x4D && head[1] == 0x4D))
        },
        open: { try TIFFFamilyReader.open(path: $0) }
    )

    nonisolated(unsafe) static var readers: [Reader] = [CZISource.registration, ThorlabsRawSource.registration, tiff]
    private static let lock = NSLock()

    public static func register(_ reader: Reader) {
        lock.lock()
        defer { lock.unlock() }
        if !readers.contains(where: { $0.name == reader.name }) { readers.append(reader) }
    }

    /// Opens any supported file; every failure is an `OmioError` naming the path.
    public static func open(path: String) throws -> ImageSource {
        try LexicalPath.checkSameFile(path)
        let head: [UInt8]
        do {
            let f = try FileReader(path: path)
            head = try f.read(at: 0, count: Int(min(64, f.size)))
        } catch {
            throw OmioError(path, error.omioReason)
        }
        lock.lock()
        let candidates = readers
        lock.unlock()
        guard let reader = candidates.first(where: { $0.claims(path, head) }) else {
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
    public static func looksSupported(name: String) -> Bool {
        let lower = name.lowercased()
        return [".tif", ".tiff", ".btf", ".tf8", ".lsm", ".czi", ".raw", ".ome.tif", ".ome.tiff"].contains { lower.hasSuffix($0) }
    }
}
