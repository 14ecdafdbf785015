import Foundation
import OmioFormats

/// How the launcher opens the store: `dask.array.from_zarr` on every level (lazy; OMIO's
/// `zarr_dask`), the zarr arrays themselves (lazy, no dask; OMIO's `zarr_nodask`), or
/// everything read into memory (small data).
public enum NapariMode: String, Sendable, CaseIterable {
    case dask, zarr, numpy
}

/// One channel's image layer.
public struct NapariChannel: Equatable, Sendable {
    /// `<file stem> <channel name>` (the stem alone for an unnamed single channel).
    public var name: String
    /// A napari colormap name ("gray", "magenta", ...) or "#RRGGBB" for a black-to-colour ramp.
    public var colormap: String
    public var contrastLimits: ContrastLimits

    public init(name: String, colormap: String, contrastLimits: ContrastLimits) {
        self.name = name
        self.colormap = colormap
        self.contrastLimits = contrastLimits
    }
}

/// What one file looks like in napari: the layer description the launcher embeds (and hands
/// to an open window). Built from the corrected metadata (`CorrectedSeries`), so the
/// scale follows the user's edits.
///
/// Axis rules: the store's axes are t, c, z, y, x. T and Z are kept when longer than 1, Y and
/// X always; C becomes one layer per channel (napari's `channel_axis`) when longer than 1 and
/// is dropped otherwise. Scale: TimeIncrement in s (1 when unknown), PhysicalSizeZ/Y/X in µm.
///
/// A region (`omio-tui napari FILE --t A:B --y A:B --x A:B`) is sent as the part of the store to
/// show: the launcher slices the store lazily (nothing is copied), the axis rules apply to the
/// region's shape, a step multiplies the axis' scale, and `translate` puts the region where it
/// lies in the whole image (first index × scale), so regions of one file line up in napari.
public struct NapariLayerSpec: Equatable, Sendable {
    public var sourcePath: String
    public var storePath: String
    public var series: Int
    /// The file stem (`stack` for `stack.tif`, `cells` for `cells.ome.tif`), plus ` s<N>` for a
    /// series other than 0 of a multi-series file.
    public var name: String
    /// The shape napari gets, TZCYX: level 0's, or the region's.
    public var shape: Shape
    /// The part of the file to show, in source indices and level-0 pixels (`level` 0); nil:
    /// all of it. T and Z are regular runs (napari's grid has one spacing per axis).
    public var region: SubStack?
    public var dtype: PixelType
    /// Every pyramid level's shape (TZCYX) in the store, level 0 first; level k is the store's
    /// array `k`.
    public var levels: [Shape]
    public var channels: [NapariChannel]
    public var physicalSizeX: Double
    public var physicalSizeY: Double
    public var physicalSizeZ: Double
    /// Seconds between time points; nil when the file does not say (the scale then uses 1).
    public var timeIncrement: Double?
    /// The channels are the R, G, B(, A) samples of a colour image (`ImageMetadata.isRGB`):
    /// napari should show one layer with `rgb=True` under the first channel's limits.
    public var rgb: Bool
    /// The store is still being built: a launcher started with `--await-pid` waits until
    /// omio-tui rewrites it with the finished description (levels, contrast limits).
    public var pending = false
    /// Set for an OME-Zarr source: the launcher opens the image's own store (folder or URL,
    /// `storePath`) with its own level paths and axes; no copy is built, nothing is locked.
    public var inPlace: NapariZarrLayout?
    /// Where the launcher and its log go when `storePath` is not omio-tui's (an OME-Zarr opened
    /// in place): the store path a build would use (`.omio_cache/<name>.ome.zarr`), never the
    /// user's folder.
    public var launcherStorePath: String?

    /// The store path the launcher and log are named after.
    public var scriptStorePath: String { launcherStorePath ?? storePath }

    /// - Parameters:
    ///   - metadata: the corrected metadata of the series.
    ///   - levels: the store's level shapes (TZCYX), level 0 first.
    ///   - colors: per channel; nil takes `ChannelColors.resolve(metadata)` (what the TUI shows).
    ///   - contrastLimits: per channel (missing channels get 0...dtype max, or 0...1 for floats).
    ///   - region: the part to show (level 0); nil: the whole series.
    public init(metadata m: ImageMetadata, sourcePath: String, storePath: String, levels: [Shape],
                colors: [RGBColor]? = nil, contrastLimits: [ContrastLimits], region: SubStack? = nil) {
        self.sourcePath = sourcePath
        self.storePath = storePath
        series = m.series
        self.region = region
        shape = region?.shape ?? m.shape
        dtype = m.dtype
        self.levels = levels.isEmpty ? [m.shape] : levels
        physicalSizeX = m.physicalSizeX
        physicalSizeY = m.physicalSizeY
        physicalSizeZ = m.physicalSizeZ
        timeIncrement = m.timeIncrement
        // A colour image stays one only with all its samples (as `slice` keeps it).
        rgb = m.isRGB && (region.map { $0.c == .all(m.shape.c) } ?? true)
        var stem = NapariLayerSpec.stem(of: sourcePath)
        if m.seriesCount > 1, m.series > 0 { stem += " s\(m.series)" }
        name = stem
        let resolved = colors ?? ChannelColors.resolve(m)
        // Channels keep their own names and numbers (a region's `--c 2,0` shows "C2", "C0").
        channels = (region?.c.indices ?? Array(0..<m.shape.c)).map { i in
            let own = i < m.channels.count ? m.channels[i].name.flatMap { $0.isEmpty ? nil : $0 } : nil
            let label = own ?? (m.shape.c > 1 ? "C\(i)" : nil)
            let color = i < resolved.count ? resolved[i] : RGBColor.white
            // JSON has no NaN or Infinity: limits are always finite, LO < HI.
            let limits = (i < contrastLimits.count ? contrastLimits[i] : NapariLayerSpec.fullRange(m.dtype)).usable
            return NapariChannel(name: label.map { "\(stem) \($0)" } ?? stem,
                                 colormap: ChannelColors.napariName(color) ?? color.hex, contrastLimits: limits)
        }
    }

    /// The file name without its extension (and without `.ome` before `.tif`/`.tiff`).
    public static func stem(of path: String) -> String {
        var name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if name.lowercased().hasSuffix(".ome") { name = String(name.dropLast(4)) }
        return name.isEmpty ? (path as NSString).lastPathComponent : name
    }

    static func fullRange(_ dtype: PixelType) -> ContrastLimits {
        switch dtype {
        case .uint8: return ContrastLimits(0, 255)
        case .uint16: return ContrastLimits(0, 65535)
        case .int8: return ContrastLimits(-128, 127)
        case .int16: return ContrastLimits(-32768, 32767)
        case .uint32: return ContrastLimits(0, 4_294_967_295)
        case .int32: return ContrastLimits(-2_147_483_648, 2_147_483_647)
        case .float32, .float64: return ContrastLimits(0, 1)
        }
    }

    // MARK: axes after squeezing

    /// The layer axes (napari's `axis_labels`): t and z when longer than 1, y and x always.
    public var axisLabels: [String] {
        (shape.t > 1 ? ["t"] : []) + (shape.z > 1 ? ["z"] : []) + ["y", "x"]
    }

    /// Per layer axis: seconds for t, µm for the others, times a region's step. An implausible
    /// value (flagged in the metadata's warnings) is given as 1: napari's scene cannot hold
    /// 1e308 µm or 5e-324 µm.
    public var scale: [Double] { axisLabels.map { spacing($0) * Double(selection($0)?.step ?? 1) } }

    /// Per layer axis: where the first shown pixel lies in the whole image (napari's
    /// `translate`, world units): the region's first index times the file's spacing; 0 without
    /// a region.
    public var translate: [Double] { axisLabels.map { spacing($0) * Double(selection($0)?.first ?? 0) } }

    /// One pixel's (or time point's) size along a layer axis, as napari can place it.
    func spacing(_ axis: String) -> Double {
        switch axis {
        case "t": return NapariLayerSpec.placeable(timeIncrement ?? 1, ImageMetadata.plausibleTimeIncrements)
        case "z": return NapariLayerSpec.placeable(physicalSizeZ, ImageMetadata.plausibleSizes)
        case "y": return NapariLayerSpec.placeable(physicalSizeY, ImageMetadata.plausibleSizes)
        default: return NapariLayerSpec.placeable(physicalSizeX, ImageMetadata.plausibleSizes)
        }
    }

    func selection(_ axis: String) -> AxisSelection? {
        guard let r = region else { return nil }
        switch axis {
        case "t": return r.t
        case "z": return r.z
        case "y": return r.y
        default: return r.x
        }
    }

    /// The store levels the launcher opens, each with its part of the store (level k's pixels).
    /// The whole file: every level. A region: level 0's window, then each next level's rows
    /// and columns covering it (level k pixel j holds level-0 pixels j·2^k up to (j+1)·2^k), as
    /// long as the previous window is wider or taller than 512 px (where the store's own
    /// pyramid stops too); a strided window has no exact counterpart on a halved level, so
    /// level 0 alone.
    public var shownLevels: [SubStack] {
        guard let r = region else {
            return levels.enumerated().map { k, s in SubStack.whole(shape: s, height: s.y, width: s.x, level: k) }
        }
        var out = [r]
        guard r.y.step == 1, r.x.step == 1 else { return out }
        for k in levels.indices.dropFirst() {
            guard let last = out.last, max(last.y.count, last.x.count) > NapariLayerSpec.smallestLevel else { break }
            func halved(_ a: AxisSelection, _ count: Int) -> AxisSelection {
                let f = 1 << k, start = a.first / f
                return .range(start: start, stop: max(start + 1, min(count, (a.first + a.count + f - 1) / f)), step: 1)
            }
            out.append(SubStack(t: r.t, z: r.z, c: r.c, y: halved(r.y, levels[k].y), x: halved(r.x, levels[k].x), level: k))
        }
        return out
    }

    /// The store's pyramid stops once a level fits this many pixels a side.
    static let smallestLevel = 512

    static func placeable(_ v: Double, _ range: ClosedRange<Double>) -> Double { range.contains(v) ? v : 1 }

    /// Per layer axis, as pint/UDUNITS names (what OME-Zarr writes).
    public var units: [String] { axisLabels.map { $0 == "t" ? "second" : "micrometer" } }

    /// Per store axis (t, c, z, y, x): nil keeps the axis, 0 drops it (indexes its only element).
    public var storeIndex: [Int?] {
        [shape.t > 1 ? nil : 0, shape.c > 1 ? nil : 0, shape.z > 1 ? nil : 0, nil, nil]
    }

    /// Where c sits in the squeezed arrays (napari's `channel_axis`); nil for one channel.
    public var channelAxis: Int? { shape.c > 1 ? (shape.t > 1 ? 1 : 0) : nil }

    /// The description the launcher reads (see the LAYERS comment in the script).
    public var json: JSONValue {
        func numbers(_ v: [Double]) -> JSONValue { .array(v.map { .number($0) }) }
        let canonical = ["t", "c", "z", "y", "x"]
        // Per store axis, in the store's own order (t, c, z, y, x for omio-tui's stores).
        let axes = inPlace?.axes ?? canonical
        // A dimension with no role ("_") is read at index 0.
        func inStoreOrder<T>(_ values: [T], unmapped: T) -> [T] { axes.map { canonical.firstIndex(of: $0).map { values[$0] } ?? unmapped } }
        let placement: [(String, JSONValue)] = inPlace.map { l in
            [("remote", .bool(l.isRemote)), ("hold", .bool(false))]
        } ?? []
        return .object((pending ? [("pending", JSONValue.bool(true))] : []) + placement + [
            ("source", .string(sourcePath)),
            ("store", .string(storePath)),
            ("series", .int(series)),
            ("name", .string(name)),
            ("dtype", .string(dtype.rawValue)),
            ("store_axes", .array(axes.map { .string($0) })),
            ("index", .array(inStoreOrder(storeIndex, unmapped: 0).map { $0.map { .int($0) } ?? .null })),
            ("channel_axis", channelAxis.map { .int($0) } ?? .null),
            ("rgb", .bool(rgb)),
            ("axis_labels", .array(axisLabels.map { .string($0) })),
            ("scale", numbers(scale)),
            ("translate", numbers(translate)),
            ("units", .array(units.map { .string($0) })),
            ("channels", .array(channels.map { c in
                .object([
                    ("name", .string(c.name)),
                    ("colormap", .string(c.colormap)),
                    ("contrast_limits", numbers([c.contrastLimits.low, c.contrastLimits.high])),
                ])
            })),
            ("levels", .array(shownLevels.map { part in
                let s = levels[part.level]
                let path = inPlace.map { $0.levelPaths[part.level] } ?? String(part.level)
                let shape = inPlace.map { $0.levelShapes[part.level] } ?? [s.t, s.c, s.z, s.y, s.x]
                return .object([("path", .string(path)), ("shape", .array(shape.map { .int($0) })),
                                ("region", .array(inStoreOrder([part.t, part.c, part.z, part.y, part.x], unmapped: .range(start: 0, stop: 1, step: 1)).map(NapariLayerSpec.json)))])
            })),
        ])
    }

    /// A level's part of one store axis as the launcher reads it: [start, stop, step] (Python's
    /// range) or {"list": [...]}.
    static func json(_ a: AxisSelection) -> JSONValue {
        switch a {
        case let .range(start, stop, step): return .array([start, stop, step].map { .int($0) })
        case let .list(l): return .object([("list", .array(l.map { .int($0) }))])
        }
    }
}
