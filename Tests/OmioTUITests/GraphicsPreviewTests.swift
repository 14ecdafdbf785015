import Foundation
import OmioFixtures
import OmioRender
import Testing
@testable import OmioTUI

/// The preview with a graphics protocol: the slice worker sends the image encoded at the
/// preview's pixel size, each step of Z/T a new frame under the same kitty id, zoom 1:1 one
/// data pixel per screen pixel, and the status line names the renderer (or why blocks).
@Suite(.serialized)
struct GraphicsPreviewTests {
    static let file = TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif"
    static let cell = CellPixels(width: 10, height: 20)

    /// A model as `omio-tui FILE` starts it with `choice`, its background work run inline.
    static func open(_ choice: GraphicsChoice) -> AppModel {
        let m = AppModel(path: file)
        m.screen = (50, 160)
        m.graphics = choice
        m.cellOverride = cell
        pump(m)
        return m
    }

    static func pump(_ m: AppModel) {
        var effects = m.takeEffects()
        while !effects.isEmpty {
            for e in effects { EffectRunner.perform(e, post: m.apply) }
            effects = m.takeEffects()
        }
    }

    static func press(_ m: AppModel, _ c: Character) {
        m.handle(.char(c))
        pump(m)
    }

    static func keys(_ image: TerminalImage) -> String {
        let text = String(decoding: image.bytes.prefix(120), as: UTF8.self)
        return String(text.dropFirst(3).prefix { $0 != ";" })
    }

    @Test func kittyFramesReplaceUnderOneID() throws {
        let m = Self.open(GraphicsChoice(proto: .kitty))
        let v = try #require(m.viewer)
        let g = try #require(m.previewGrid)
        let first = try #require(v.image)
        #expect(first.proto == .kitty && first.cols == g.cols && first.rows == g.rows)
        // kitty scales: no more pixels than the screen shows (GraphicsAspectTests: the shape).
        #expect(first.pixelWidth <= g.cols * 10 && first.pixelHeight <= g.rows * 20)
        #expect(Self.keys(first).hasPrefix("a=T,f=24,s=\(first.pixelWidth),v=\(first.pixelHeight),i=\(ImagePainter.imageID),p=1,q=2,C=1,c=\(g.cols),r=\(g.rows)"))
        let generation = v.imageGeneration
        Self.press(m, "]")
        let next = try #require(m.viewer)
        #expect(next.z == v.z + 1)
        #expect(next.imageGeneration > generation)
        let second = try #require(next.image)
        #expect(Self.keys(second).contains("i=\(ImagePainter.imageID),p=1"))
        #expect(second.bytes != first.bytes)
        #expect(StatusView.statusText(m).contains("kitty"))
    }

    @Test func sixelIsExactlyThePreviewsPixels() throws {
        let m = Self.open(GraphicsChoice(proto: .sixel))
        let image = try #require(m.viewer?.image)
        let g = try #require(m.previewGrid)
        #expect(image.pixelWidth == g.cols * 10 && image.pixelHeight == g.rows * 20)
    }

    @Test func zoomOneToOneIsScreenPixels() throws {
        let m = Self.open(GraphicsChoice(proto: .kitty))
        m.focus = .preview
        Self.press(m, "z")
        let v = try #require(m.viewer)
        #expect(v.zoomed)
        let g = try #require(m.previewGrid)
        let vp = v.viewport(cols: g.cols, rows: g.rows)
        #expect(vp.width == min(v.shape.x, g.cols * 10))
        #expect(vp.height == min(v.shape.y, g.rows * 20))
        let image = try #require(v.image)
        #expect(image.pixelWidth == g.cols * 10 && image.pixelHeight == g.rows * 20)
    }

    @Test func blocksSayWhy() throws {
        let m = Self.open(GraphicsChoice(proto: nil, note: "tmux: no passthrough"))
        #expect(m.viewer?.image == nil)
        #expect(m.viewer?.grid != nil)
        #expect(StatusView.statusText(m).contains("(tmux: no passthrough)"))
    }
}
