import OmioEngine
import OmioFormats
import OmioRender

/// One frame of a whole plane through the pipeline the TUI and `render` run (slice ->
/// contrast -> composite -> renderer), with `render`'s defaults: gamma 1, the file's colours.
enum BenchFrame {
    static func render(array: LazyArray, metadata m: ImageMetadata, t: Int, z: Int, channels: [Int], cols: Int, rows: Int,
                       contrast: ContrastMode = .auto) throws -> SliceResult {
        try SlicePipeline.run(SliceRequest(generation: 0, array: array, t: t, z: z, channels: channels,
                                           viewport: .full(m.shape), cols: cols, rows: rows, symbols: .sextant,
                                           contrast: Array(repeating: contrast, count: m.shape.c), gamma: 1,
                                           colors: ChannelColors.resolve(m), reduce: .mean))
    }
}
