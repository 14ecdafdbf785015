import ArgumentParser
import Foundation
import OmioRender
import OmioRenderQuality

/// `omio-devtool ansi-png`: rasterizes ANSI block-character output (ours or chafa's) to a PNG,
/// to look at renders without a terminal.
struct ANSIToPNGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ansi-png", abstract: "Rasterize ANSI block text (stdin) to a PNG.")

    @Option(name: .shortAndLong, help: "Output PNG.") var output: String
    @Option(help: "Pixels per cell (width; height is twice that).") var cell = 8

    func run() throws {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let grid = try ANSIParser.parse(text)
        let raster = CellRasterizer.rasterize(grid, cellWidth: cell, cellHeight: cell * 2)
        try PNGWriter.encode(width: raster.width, height: raster.height, rgb: raster.pixels).write(to: URL(fileURLWithPath: output))
    }
}
