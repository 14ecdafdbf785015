import Foundation
import OmioFixtures
import Testing

/// Truncated and bit-flipped copies of every example file through `info`, `slice`, `render` and
/// `cache build`: each ends with status 0 or 1 and a one-line error, never a signal or a hang;
/// a failed slice leaves no output and a failed build no store.
@Suite("Corrupt copies of the example files")
struct CorruptCopyTests {
    /// Where a copy is cut: inside the header, inside the first IFD, and through the data.
    static func cutPoints(size: Int) -> [Int] {
        Array(Set([16, 300, 4096, size / 3, size / 2, size * 9 / 10, size - 1].filter { $0 > 0 && $0 < size })).sorted()
    }

    /// `count` bytes of the first 4 KiB (past the 8-byte header, so the copy still looks like a
    /// TIFF and gets read) replaced by other values, reproducibly from the name and variant.
    static func flipped(_ data: Data, name: String, variant: UInt64, count: Int = 12) -> Data {
        var bytes = [UInt8](data)
        var seed: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { seed = (seed ^ UInt64(b)) &* 0x100_0000_01B3 }
        var rng = SplitMix64(seed: seed ^ (variant &* 0x9E37_79B9_7F4A_7C15))
        let limit = min(4096, bytes.count)
        guard limit > 8 else { return data }
        for _ in 0..<count {
            let at = 8 + Int(rng.next() % UInt64(limit - 8))
            bytes[at] ^= UInt8(1 + rng.next() % 255)
        }
        return Data(bytes)
    }

    @Test("truncated and flipped copies give clean outcomes", arguments: FaultPaths.exampleFiles)
    func corruptCopies(name: String) throws {
        let original = fileBytes(FaultPaths.exampleData + "/" + name)
        try #require(!original.isEmpty, "example_data/\(name) is missing")
        var variants: [(String, Data)] = Self.cutPoints(size: original.count).map { ("cut\($0)-\(name)", original.prefix($0)) }
        for v in 0..<3 as Range<UInt64> { variants.append(("flip\(v)-\(name)", Self.flipped(original, name: name, variant: v))) }
        for (label, bytes) in variants {
            let dir = FaultPaths.tempDir("corrupt")
            defer { FaultPaths.remove(dir) }
            let path = dir + "/" + label
            try bytes.write(to: URL(fileURLWithPath: path))
            try Self.checkAllCommands(path: path, dir: dir)
            #expect(fileBytes(path) == bytes, "\(label): the source was modified")
        }
    }

    /// The four commands on one file, each held to the error contract.
    static func checkAllCommands(path: String, dir: String) throws {
        let label = (path as NSString).lastPathComponent

        let info = try Run.tool(["info", path])
        expectCleanOutcome(info, "info \(label)")

        let npy = dir + "/plane.npy"
        let slice = try Run.tool(["slice", path, "-o", npy])
        expectCleanOutcome(slice, "slice \(label)")
        if slice.status == 0 {
            #expect(fileBytes(npy).starts(with: [0x93] + Array("NUMPY".utf8)), "slice \(label): status 0 without a .npy")
        } else {
            #expect(!FileManager.default.fileExists(atPath: npy), "slice \(label): failed but left \(npy)")
        }

        let render = try Run.tool(["render", path, "--width", "40", "--height", "12"])
        expectCleanOutcome(render, "render \(label)")
        if render.status == 0 { #expect(!render.stdout.isEmpty, "render \(label): status 0 and no output") }

        let build = try Run.tool(["cache", "build", path])
        expectCleanOutcome(build, "cache build \(label)")
        let store = dir + "/.omio_cache/" + label + ".ome.zarr"
        if build.status == 0 {
            #expect(FileManager.default.fileExists(atPath: store + "/zarr.json"), "cache build \(label): status 0 without a store")
        } else {
            #expect(!FileManager.default.fileExists(atPath: store), "cache build \(label): failed but left \(store)")
            #expect(!FileManager.default.fileExists(atPath: store + ".partial"), "cache build \(label): failed but left a partial store")
        }
        // Info and the build agree: a file info cannot read is not a file a store is built from.
        if info.status == 1 { #expect(build.status == 1, "\(label): info fails but cache build succeeds") }
    }
}
