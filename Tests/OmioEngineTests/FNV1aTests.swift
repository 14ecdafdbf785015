import OmioEngine
import Testing

/// FNV-1a names files on disk (fallback stores, state-folder overlays) and is recorded in store
/// manifests: a change to it would orphan every store and overlay already written. The expected
/// digits were computed outside Swift (Python, from the FNV spec: offset basis
/// 0xcbf29ce484222325, prime 0x100000001b3), and "a" / "foobar" are the spec's own vectors.
@Suite struct FNV1aTests {
    @Test(arguments: [
        ("", "cbf29ce484222325"),
        ("a", "af63dc4c8601ec8c"),
        ("foobar", "85944171f73967e8"),
        ("/data/stacks", "3b4d188cdb665372"),
    ])
    func knownVectors(text: String, hex: String) {
        #expect(FNV1a.hex(text) == hex)
    }

    /// The names on disk carry it: the overlay of a file in a read-only folder (hash of the
    /// file's path) and the fallback store (hash of its folder).
    @Test func namesOnDiskUseIt() {
        let env = ["XDG_STATE_HOME": "/state", "XDG_CACHE_HOME": "/cache"]
        #expect(OverlayStore.statePath(for: "/data/stacks/x.tif", environment: env)
            == "/state/omio-tui/overlays/4e58185c197f13f4-x.tif.omio.json")
        #expect(StoreLocation.fallbackPath(source: "/data/stacks/x.tif", environment: env).hasSuffix(".3b4d188cdb665372.ome.zarr"))
    }
}
