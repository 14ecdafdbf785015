import Foundation
import OmioFormats

/// Checks, before a store is reused, that what its manifest promises is really there: a
/// complete store whose `0/zarr.json` was damaged later (a full disk, a user's editor, a
/// partial copy) must be rebuilt, not reported "up to date" forever.
enum StoreIntegrity {
    /// Why the store at `path` does not hold the arrays `expected` describes, or nil when it does.
    /// Reads only metadata files, never chunks.
    static func problem(storePath path: String, expected: StoreLayout) -> String? {
        for (k, want) in expected.levels.enumerated() {
            let folder = (path as NSString).appendingPathComponent(String(k))
            guard StoreFiles.exists(folder) else { return "level \(k) is missing" }
            let file = (folder as NSString).appendingPathComponent(want.metadataName)
            guard let data = FileManager.default.contents(atPath: file), (try? JSONValue.parse(data)) != nil else {
                return "level \(k) metadata is unreadable"
            }
            // It parses: whatever is wrong with it (an edited shape, a foreign layout) is a
            // disagreement with what the source needs, not damage.
            guard let have = try? ZarrArray(folder: folder, format: want.format) else {
                return "level \(k) metadata disagrees with the source (the source needs \(describe(want)))"
            }
            guard have == want else {
                return "level \(k) metadata disagrees with the source (\(describe(have)), the source needs \(describe(want)))"
            }
        }
        guard let reader = try? StoreReader(path: path) else { return "the group metadata is unreadable" }
        guard reader.arrays.count == expected.levels.count else {
            return "the group lists \(reader.arrays.count) levels, the source needs \(expected.levels.count)"
        }
        return nil
    }

    private static func describe(_ a: ZarrArray) -> String {
        "\(a.diskShape.map(String.init).joined(separator: "x")) \(a.dtype.rawValue), \(a.chunkRows)-row chunks, \(a.compression.rawValue)"
    }
}
