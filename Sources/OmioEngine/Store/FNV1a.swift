/// 64-bit FNV-1a, as 16 lower-case hex digits: the one hash omio-tui writes to disk. It names
/// fallback stores and state-folder overlays (by the image's folder or path) and records a
/// sidecar's edits in a store's manifest, so it must give the same digits on every run and
/// machine (Swift's `Hasher` is seeded per process). Pinned by a test vector.
public enum FNV1a {
    public static func hex(_ text: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 // offset basis
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3 // FNV prime
        }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
