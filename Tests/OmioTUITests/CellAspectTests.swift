import Foundation
import OmioFormats
import OmioRender
import Testing
@testable import OmioTUI

/// A square image is drawn square (±5 %) whatever shape the terminal's cells have: in the
/// preview's fit and at zoom 1:1.
struct CellAspectTests {
    static let cells = [CellPixels(width: 7, height: 17), CellPixels(width: 9, height: 18), CellPixels.assumed]

    static func square(_ side: Int = 512) -> ImageMetadata {
        ImageMetadata(path: "square.tif", format: .tiff, shape: Shape(y: side, x: side), dtype: .uint8,
                      physicalSizeX: 0.5, physicalSizeY: 0.5, physicalSizeZ: 1)
    }

    @Test(arguments: cells) func fitKeepsASquareSquare(cell: CellPixels) {
        for (width, height) in [(160, 48), (100, 60), (60, 40), (220, 70)] {
            let f = PreviewGeometry.fit(Self.square(), width: width, height: height, cell: cell)
            let shape = Double(f.cols * cell.width) / Double(f.rows * cell.height)
            #expect(abs(shape - 1) <= 0.05, "\(cell) in \(width)x\(height): \(f.cols)x\(f.rows) cells, \(shape)")
        }
    }

    @Test(arguments: cells) func zoomOneToOneKeepsPixelsSquare(cell: CellPixels) {
        let m = Self.square(2048)
        let z = ViewerState.zoomPixelsPerCell(m, cell: cell)
        // Image pixels per screen pixel, across and down: equal for square pixels.
        let across = z.x / Double(cell.width), down = z.y / Double(cell.height)
        #expect(abs(across / down - 1) < 1e-9, "\(cell): \(z)")
    }
}
