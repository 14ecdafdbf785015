import Foundation
import OmioEngine
import OmioFormats

// The two fuzz targets past the readers (issue 13 found crashes there that the reader targets
// could not): the display path and the store builder. Shared, like FuzzHarness, by the
// libFuzzer targets in Fuzz/ and by RegressionReplayTests.

enum EngineFuzzHarness {
    /// (bits, SampleFormat) of the synthetic plane: every dtype the display path converts.
    static let sampleTypes: [(bits: Int, format: Int)] = [(8, 1), (8, 2), (16, 1), (16, 2), (32, 1), (32, 2), (32, 3), (64, 3)]

    /// Byte 0 configures: bits 0-2 the sample type, bit 3 three samples per pixel (three
    /// channels), bit 4 big-endian, bit 5 `max` reduction, bit 6 a zoomed viewport, bit 7 the
    /// rest is a whole file (otherwise: width and height bytes, then the samples, repeated to
    /// fill the plane, so float planes get NaN, infinities, denormals and ±max).
    static func display(_ data: [UInt8]) {
        guard let config = data.first else { return }
        let rest = Array(data.dropFirst())
        if config & 0x80 != 0 {
            FuzzScratch.withFile(rest, name: "display.tif") { show($0, config: config) }
            return
        }
        guard rest.count > 2 else { return }
        let type = sampleTypes[Int(config & 7)]
        var t = TinyTIFF(bigEndian: config & 0x10 != 0)
        var page = TinyTIFF.Page(width: 1 + Int(rest[0]) % 96, height: 1 + Int(rest[1]) % 96, bits: type.bits,
                                 spp: config & 8 != 0 ? 3 : 1, format: type.format)
        page.pixels = Array(rest.dropFirst(2))
        t.pages.append(page)
        FuzzScratch.withFile(t.build(), name: "plane.tif") { show($0, config: config) }
    }

    /// What `render` and the TUI do with a plane: slice to a cell grid, contrast per channel
    /// (every mode), composite, enlarge.
    static func show(_ path: String, config: UInt8) {
        guard let source = try? ImageOpener.open(path: path) else { return }
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let s = array.shape
        guard s.x > 0, s.y > 0, s.c > 0 else { return }
        let reduce: Reduce = config & 0x20 != 0 ? .max : .mean
        let viewport = config & 0x40 != 0
            ? Viewport(x: s.x / 3, y: s.y / 3, width: max(1, s.x / 3), height: max(1, s.y / 3)) : Viewport.full(s)
        let colors = ChannelColors.defaults(count: s.c)
        for (w, h) in [(48, 16), (1, 1), (160, 90)] {
            var layers: [(values: [Float], display: ChannelDisplay)] = []
            for c in 0..<min(s.c, 4) {
                let plane = PlaneIndex(t: s.t - 1, z: s.z / 2, c: c)
                guard let slice = try? DisplaySlicer.slice2D(array, plane: plane, viewport: viewport, width: w, height: h, reduce: reduce)
                else { continue }
                let st = slice.stats
                // (A manual range as wide as ±Double.greatestFiniteMagnitude, `render --contrast
                // -1e308:1e308`, is checked by the CLI option tests.)
                for mode in [ContrastMode.auto, .minMax, .manual(ContrastLimits(st.min, st.max))] {
                    let limits = mode.limits(for: st)
                    _ = limits.description
                    _ = limits.scaled(by: 0.5)
                    layers.append((slice.values, ChannelDisplay(color: colors[c], limits: limits, gamma: c == 0 ? 1 : 0.45)))
                }
            }
            guard !layers.isEmpty else { continue }
            _ = Compositor.composite(layers, width: w, height: h).resizedNearest(width: w * 2, height: h * 3)
        }
    }

    /// A whole file through `StoreBuilder.ensure` into a scratch cache folder: the store's
    /// sizing (chunk bands, pyramid levels, write queue) must stay bounded by what the file
    /// holds, whatever its header claims (libFuzzer's -malloc_limit_mb makes a huge
    /// allocation a finding).
    static func store(_ data: [UInt8]) {
        FuzzScratch.withFile(data, name: "store.tif") { path in
            let cache = (path as NSString).deletingLastPathComponent + "/cache"
            defer { try? FileManager.default.removeItem(atPath: cache) }
            guard let source = try? ImageOpener.open(path: path) else { return }
            _ = try? StoreBuilder.ensure(source: source, request: StoreRequest(compression: .none, cacheDir: cache))
        }
    }
}
