import Foundation
import OmioFixtures
import OmioEngine
import OmioFormats
import Testing
@testable import OmioTUI

/// `:slice OUT [ranges]` in the inspector: by default what the preview shows (this T and Z, the
/// drawn channel or all of a composite, the zoomed window), ranges as `omio-tui slice` takes
/// them, the file written through the same extractor, errors as one status line.
@Suite(.serialized)
struct TUISliceTests {
    /// A .npy's shape and data bytes (format 1.0, as NPYWriter writes it).
    static func npy(_ path: String) throws -> (shape: [Int], data: [UInt8]) {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        let inside = try #require(header.range(of: "'shape': (")).upperBound
        let numbers = header[inside...].prefix { $0 != ")" }.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (numbers, Array(bytes[(10 + length)...]))
    }

    /// The source's pixels of plane (t, z, c), rows and columns given.
    static func pixels(_ source: ImageSource, t: Int, z: Int, c: Int, rows: Range<Int>, cols: Range<Int>) throws -> [UInt8] {
        try source.read(series: 0, level: 0, plane: PlaneIndex(t: t, z: z, c: c), region: PixelRegion(rows: rows, cols: cols)).bytes
    }

    func command(_ d: AppDriver, _ text: String) {
        d.press(.char(":"))
        d.type(text)
        d.press(.enter)
    }

    @Test func theShownViewByDefaultThenRanges() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        let source = try #require(d.model.viewer?.source)
        command(d, "t 2")
        command(d, "z 4")
        #expect(d.model.viewer?.composite == true, "two channels open as a composite")
        // The composite: both channels of T 2, Z 4 (1-based); the index-given T and Z dropped.
        // While it runs (here: before the queued work is run), a gauge in the status line.
        d.model.run(command: "slice \(dir)/view.npy")
        #expect(d.text.contains("slicing view.npy ░░░░░░░░░░   0%"), "\(d.text)")
        d.pump()
        #expect(d.model.message?.text.hasPrefix("sliced to \(dir)/view.npy") == true, "\(String(describing: d.model.message))")
        #expect(d.model.sliceProgress == nil)
        var got = try Self.npy(dir + "/view.npy")
        #expect(got.shape == [2, 112, 144])
        let both = try Self.pixels(source, t: 1, z: 3, c: 0, rows: 0..<112, cols: 0..<144)
            + Self.pixels(source, t: 1, z: 3, c: 1, rows: 0..<112, cols: 0..<144)
        #expect(got.data == both)
        // One channel shown: that channel alone.
        d.press(.char("c"), .char("c"))
        #expect(d.model.viewer?.c == 1 && d.model.viewer?.composite == false)
        command(d, "slice \(dir)/one.npy")
        got = try Self.npy(dir + "/one.npy")
        let one = try Self.pixels(source, t: 1, z: 3, c: 1, rows: 0..<112, cols: 0..<144)
        #expect(got.shape == [112, 144] && got.data == one)
        // Ranges override the view, in either spelling; a range keeps its axis.
        command(d, "slice \(dir)/ranges.npy t=0:3:2 --c 1,0 y=-12:")
        got = try Self.npy(dir + "/ranges.npy")
        #expect(got.shape == [2, 2, 12, 144])
        var want: [UInt8] = []
        for t in [0, 2] { for c in [1, 0] { want += try Self.pixels(source, t: t, z: 3, c: c, rows: 100..<112, cols: 0..<144) } }
        #expect(got.data == want)
        // By extension: an OME-TIFF with the corrected sizes, read back.
        command(d, "slice \(dir)/sub.ome.tif t=1:3")
        let tif = try ImageOpener.open(path: dir + "/sub.ome.tif").metadata(series: 0)
        #expect(tif.shape == Shape(t: 2, z: 1, c: 1, y: 112, x: 144))
        #expect(abs(tif.physicalSizeX - 0.2) < 1e-9 && tif.timeIncrement == 2.5)
    }

    /// `v` marks a T/Z range like a visual selection: from where it was pressed to where the
    /// view moved; `:slice` writes that range (axes kept), `v` again clears it.
    @Test func markedRangeIsWhatSliceWrites() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        let source = try #require(d.model.viewer?.source)
        #expect(d.model.viewer?.t == 0 && d.model.viewer?.z == 2)
        d.press(.char("v"), .char("}"), .char("}"), .char("["))
        #expect(d.text.contains("marked T 1–3 Z 2–3"), "\(d.text)")
        command(d, "slice \(dir)/marked.npy")
        let got = try Self.npy(dir + "/marked.npy")
        #expect(got.shape == [3, 2, 2, 112, 144])
        var want: [UInt8] = []
        for t in 0..<3 { for z in 1..<3 { for c in 0..<2 { want += try Self.pixels(source, t: t, z: z, c: c, rows: 0..<112, cols: 0..<144) } } }
        #expect(got.data == want)
        d.press(.char("v"))
        #expect(d.model.viewer?.mark == nil && !d.text.contains("marked T"))
    }

    @Test func zoomedTheVisibleWindow() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: TestPaths.exampleData + "/wrong_spacing_Z8.tif", rows: 24, cols: 80)
        let source = try #require(d.model.viewer?.source)
        d.press(.char("z"), .char("l"), .char("l"), .char("j")) // zoom focuses the preview: l and j pan
        let v = try #require(d.model.viewer)
        let g = try #require(d.model.previewGrid)
        let window = v.viewport(cols: g.cols, rows: g.rows)
        #expect(v.zoomed && window.width < 128 && window.x > 0, "\(window)")
        command(d, "slice \(dir)/zoom.npy")
        let got = try Self.npy(dir + "/zoom.npy")
        #expect(got.shape == [window.height, window.width])
        let want = try Self.pixels(source, t: 0, z: v.z, c: 0, rows: window.y..<(window.y + window.height),
                                   cols: window.x..<(window.x + window.width))
        #expect(got.data == want)
    }

    @Test func errorsAreOneStatusLineAndWriteNothing() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/multipage_T5.tif", toPath: dir + "/m.tif")
        let original = FileManager.default.contents(atPath: dir + "/m.tif")
        let d = AppDriver(path: dir + "/m.tif")
        command(d, "slice")
        #expect(d.model.message?.isError == true && d.model.message?.text.contains(":slice OUT") == true)
        command(d, "slice \(dir)/x.npy y=0:999")
        #expect(d.model.message?.isError == true)
        #expect(d.model.message?.text == "slice: y: 0:999 is outside 0:128 (the image has 128 rows)", "\(String(describing: d.model.message))")
        command(d, "slice \(dir)/x.npy t=5:2")
        #expect(d.model.message?.text == "slice: t: the range 5:2 is reversed; write 2:5", "\(String(describing: d.model.message))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.npy"))
        // The file it reads is never the output.
        command(d, "slice \(dir)/m.tif")
        #expect(d.model.message?.isError == true && d.model.message?.text.hasPrefix("slice failed: ") == true, "\(String(describing: d.model.message))")
        #expect(FileManager.default.contents(atPath: dir + "/m.tif") == original)
        #expect(d.model.sliceProgress == nil)
        // A name that picks no format: the endings, nothing written; a .tif is an OME-TIFF.
        command(d, "slice \(dir)/crop.png")
        #expect(d.model.message?.text == "slice: \(dir)/crop.png names no output format: end it in \(SubStackExport.Format.endings)",
                "\(String(describing: d.model.message))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/crop.png"))
        command(d, "slice \(dir)/crop.tif")
        d.pump()
        #expect(try ImageOpener.open(path: dir + "/crop.tif").format == .omeTiff)
    }

    /// Only t= z= c= y= x= (any case) or `--t V` follow the output: anything else is refused by
    /// name, never taken into the file name with the ranges dropped (`zz=1` once produced a
    /// file called "u2.npy t=0:2 zz=1").
    @Test func unknownWordsAreRefusedNotNamed() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        let refused = [
            ("slice \(dir)/u2.npy t=0:2 zz=1", "slice: unknown option 'zz=1' (t=, z=, c=, y=, x=)"),
            ("slice \(dir)/u2.npy q=1", "slice: unknown option 'q=1' (t=, z=, c=, y=, x=)"),
            ("slice \(dir)/u2.npy t=0:2 --z", "slice: --z needs a value, as in --z 0:2"),
            ("slice \(dir)/u2 extra.npy", "slice: unknown option 'extra.npy' (t=, z=, c=, y=, x=)"),
            ("slice \"\(dir)/open.npy", "slice: a quote is not closed"),
            ("slice -", "slice: -: standard output is the terminal; give a file name"),
            ("slice /dev/stdout", "slice: /dev/stdout: standard output is the terminal; give a file name"),
            ("slice \(dir)/.omio_cache", "slice: \(dir)/.omio_cache: .omio_cache is omio-tui's cache folder; give another name"),
            ("slice \(dir)/.omio_cache/x.npy", "slice: \(dir)/.omio_cache/x.npy: .omio_cache is omio-tui's cache folder; give another name"),
        ]
        for (text, message) in refused {
            d.model.run(command: text)
            #expect(d.model.message?.isError == true && d.model.message?.text == message, "\(text): \(String(describing: d.model.message))")
            #expect(d.model.sliceProgress == nil && d.model.takeEffects().isEmpty, "\(text): nothing started")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no file written")
        // Upper-case keys and --t V are ranges; a quoted name keeps its spaces.
        command(d, "slice \"\(dir)/with space.npy\" T=0:2 --Z 1 c=0")
        d.pump()
        #expect(d.model.message?.text.hasPrefix("sliced to \(dir)/with space.npy") == true, "\(String(describing: d.model.message))")
        #expect(try Self.npy(dir + "/with space.npy").shape == [2, 112, 144])
        command(d, "slice '\(dir)/single.npy' t=1 c=1")
        d.pump()
        #expect(try Self.npy(dir + "/single.npy").shape == [112, 144])
    }

    /// `q` while a `:slice` runs warns in the status line; the second `q` quits.
    @Test func firstQuitWhileSlicingOnlyWarns() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        d.model.run(command: "slice \(dir)/run.npy") // queued, not run: still slicing
        d.model.handle(.char("q"))
        #expect(!d.model.quit)
        #expect(d.model.message?.text == "slicing run.npy … — q again to stop it and quit", "\(String(describing: d.model.message))")
        d.model.handle(.char("q"))
        #expect(d.model.quit)
        // Once it has finished, one q quits.
        let e = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        e.model.run(command: "slice \(dir)/done.npy")
        e.pump()
        e.press(.char("q"))
        #expect(e.model.quit)
    }
}
