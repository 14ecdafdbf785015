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
public struct NapariLayerSpec: Equatable, Sendable {
    public var sourcePath: String
    public var storePath: String
    public var series: Int
    /// The file stem (`stack` for `stack.tif`, `cells` for `cells.ome.tif`), plus ` s<N>` for a
    /// series other than 0 of a multi-series file.
    public var name: String
    /// Level 0 shape, TZCYX.
    public var shape: Shape
    public var dtype: PixelType
    /// Every pyramid level's shape (TZCYX), level 0 first; level k is the store's array `k`.
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

    /// - Parameters:
    ///   - metadata: the corrected metadata of the series.
    ///   - levels: the store's level shapes (TZCYX), level 0 first.
    ///   - colors: per channel; nil takes `ChannelColors.resolve(metadata)` (what the TUI shows).
    ///   - contrastLimits: per channel (missing channels get 0...dtype max, or 0...1 for floats).
    public init(metadata m: ImageMetadata, sourcePath: String, storePath: String, levels: [Shape],
                colors: [RGBColor]? = nil, contrastLimits: [ContrastLimits]) {
        self.sourcePath = sourcePath
        self.storePath = storePath
        series = m.series
        shape = m.shape
        dtype = m.dtype
        self.levels = levels.isEmpty ? [m.shape] : levels
        physicalSizeX = m.physicalSizeX
        physicalSizeY = m.physicalSizeY
        physicalSizeZ = m.physicalSizeZ
        timeIncrement = m.timeIncrement
        rgb = m.isRGB
        var stem = NapariLayerSpec.stem(of: sourcePath)
        if m.seriesCount > 1, m.series > 0 { stem += " s\(m.series)" }
        name = stem
        let resolved = colors ?? ChannelColors.resolve(m)
        channels = (0..<m.shape.c).map { i in
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

    /// Per layer axis: seconds for t, µm for the others. An implausible value (flagged in the
    /// metadata's warnings) is given as 1: napari's scene cannot hold 1e308 µm or 5e-324 µm.
    public var scale: [Double] {
        axisLabels.map { axis in
            switch axis {
            case "t": return NapariLayerSpec.placeable(timeIncrement ?? 1, ImageMetadata.plausibleTimeIncrements)
            case "z": return NapariLayerSpec.placeable(physicalSizeZ, ImageMetadata.plausibleSizes)
            case "y": return NapariLayerSpec.placeable(physicalSizeY, ImageMetadata.plausibleSizes)
            default: return NapariLayerSpec.placeable(physicalSizeX, ImageMetadata.plausibleSizes)
            }
        }
    }

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
        return .object((pending ? [("pending", JSONValue.bool(true))] : []) + [
            ("source", .string(sourcePath)),
            ("store", .string(storePath)),
            ("series", .int(series)),
            ("name", .string(name)),
            ("dtype", .string(dtype.rawValue)),
            ("store_axes", .array(["t", "c", "z", "y", "x"].map { .string($0) })),
            ("index", .array(storeIndex.map { $0.map { .int($0) } ?? .null })),
            ("channel_axis", channelAxis.map { .int($0) } ?? .null),
            ("rgb", .bool(rgb)),
            ("axis_labels", .array(axisLabels.map { .string($0) })),
            ("scale", numbers(scale)),
            ("units", .array(units.map { .string($0) })),
            ("channels", .array(channels.map { c in
                .object([
                    ("name", .string(c.name)),
                    ("colormap", .string(c.colormap)),
                    ("contrast_limits", numbers([c.contrastLimits.low, c.contrastLimits.high])),
                ])
            })),
            ("levels", .array(levels.enumerated().map { k, s in
                .object([("path", .string(String(k))), ("shape", .array([s.t, s.c, s.z, s.y, s.x].map { .int($0) }))])
            })),
        ])
    }
}
