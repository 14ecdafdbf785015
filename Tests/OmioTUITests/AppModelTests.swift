import Foundation
import OmioFixtures
import OmioEngine
import OmioFormats
import Testing
@testable import OmioTUI

/// The TUI driven by keys without a terminal: browse, open, read metadata, step, help, quit.
@Suite(.serialized)
struct AppModelTests {
    @Test func browserListsDirectoriesFirstWithBadges() {
        let d = AppDriver(path: TestPaths.repoRoot)
        let names = d.model.browser.visible.map(\.name)
        let isDir = d.model.browser.visible.map { $0.kind == .directory }
        #expect(isDir == isDir.sorted { $0 && !$1 }, "directories come first")
        #expect(isDir.contains(true) && isDir.contains(false))
        #expect(!names.contains(".git"), "hidden entries are hidden by default")
        d.select("example_data")
        d.press(.enter)
        #expect(d.model.browser.cwd.hasSuffix("/example_data"))
        let text = d.text
        #expect(text.contains("[IJ] T3 Z5 C2 112×144 uint16"))
        #expect(text.contains("[OME] T4 Z2 C3 96×128 uint16"))
        #expect(text.contains("[BigTIFF] T2 384×512 uint16"))
        d.press(.char("h"))
        #expect(d.model.browser.cwd == TestPaths.repoRoot)
        #expect(d.model.browser.selected?.name == "example_data", "going up selects the folder we left")
    }

    @Test func hiddenFilesAndFilter() {
        let d = AppDriver(path: TestPaths.repoRoot)
        d.press(.char("."))
        #expect(d.model.browser.visible.contains { $0.name == ".git" })
        d.press(.char("."))
        #expect(!d.model.browser.visible.contains { $0.name == ".git" })
        d.press(.char("/"))
        d.type("exam")
        #expect(d.model.browser.visible.map(\.name) == ["example_data"])
        d.press(.enter, .escape)
        #expect(d.model.browser.filter.isEmpty)
    }

    @Test func openShowsMetadataAndPreview() throws {
        let d = AppDriver(path: TestPaths.exampleData)
        d.select("wrong_spacing_Z8.tif")
        d.press(.enter)
        let v = try #require(d.model.viewer)
        #expect(v.metadata.shape.z == 8)
        let text = d.text
        #expect(text.contains("PhysicalSizeZ  1.85e-05 µm  ! implausible"))
        #expect(text.contains("T 1/1  Z 5/8  C 1/1"), "opens in the middle of Z, 1-based")
        #expect(v.grid != nil)
        #expect(d.model.message?.isError == true && d.model.message?.text.contains("implausible") == true)
        // The preview's glyphs are drawn: its middle row has block or sextant glyphs (a blank
        // cell is a space, so a space proves nothing).
        let g = try #require(d.model.previewGrid)
        let middle = Array(d.screen.line(g.y + g.rows / 2)).dropFirst(g.x).prefix(g.cols)
        #expect(middle.contains { "▀▄█▌▐🬀🬁🬂🬃🬄🬅🬆🬇🬈🬉🬊🬋🬌🬍🬎🬏🬐🬑🬒🬓🬔🬕🬖🬗🬘🬙🬚🬛🬜🬝🬞🬟🬠🬡🬢🬣🬤🬥🬦🬧🬨🬩🬪🬫🬬🬭🬮🬯🬰🬱🬲🬳🬴🬵🬶🬷🬸🬹🬺🬻▁▂▃▄▅▆▇".contains($0) },
                "\(String(middle))")
    }

    @Test func stepZTAndChannels() throws {
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        #expect(d.model.viewer != nil, "a file path opens the file directly")
        #expect(d.model.viewer?.positionText == "T 1/3  Z 3/5  C all/2")
        d.press(.char("]"), .char("]"), .char("]"))
        #expect(d.model.viewer?.z == 4, "Z stops at the last slice")
        d.press(.char("["))
        #expect(d.model.viewer?.z == 3)
        d.press(.char("}"), .char("}"))
        #expect(d.model.viewer?.t == 2)
        d.press(.char("{"))
        #expect(d.model.viewer?.positionText == "T 2/3  Z 4/5  C all/2")
        d.press(.char("c"))
        #expect(d.model.viewer?.positionText == "T 2/3  Z 4/5  C 1/2")
        d.press(.char("c"))
        #expect(d.model.viewer?.positionText == "T 2/3  Z 4/5  C 2/2")
        d.press(.char("C"))
        #expect(d.model.viewer?.composite == true)
        #expect(d.text.contains("T 2/3  Z 4/5  C all/2"))
        // Focus on the metadata pane: `.` steps Z there (in the browser it toggles hidden files).
        d.press(.tab)
        d.press(.char(","))
        #expect(d.model.viewer?.z == 2)
    }

    @Test func contrastGammaSymbolsAndZoom() throws {
        let d = AppDriver(path: TestPaths.exampleData + "/wrong_spacing_Z8.tif")
        let auto = try #require(d.model.viewer?.limits[0])
        d.press(.char("m"))
        let minmax = try #require(d.model.viewer?.limits[0])
        #expect(minmax.low <= auto.low && minmax.high >= auto.high)
        d.press(.char("+"))
        let narrowed = try #require(d.model.viewer?.limits[0])
        #expect(narrowed.high - narrowed.low < minmax.high - minmax.low)
        #expect(d.text.contains("manual"))
        d.press(.char("a"))
        #expect(d.model.viewer?.limits[0] == auto)
        d.press(.char("g"))
        #expect(d.model.viewer?.gamma == 0.7)
        #expect(d.model.symbols == .sextant)
        d.press(.char("s"))
        #expect(d.model.symbols == .half)
        d.press(.char("z"))
        #expect(d.model.viewer?.zoomed == true && d.model.focus == .preview)
        let before = d.model.viewer!.viewport(cols: d.model.previewGrid!.cols, rows: d.model.previewGrid!.rows)
        #expect(before.width <= 128 && before.height <= 128)
        d.press(.char("l"))
        let after = d.model.viewer!.viewport(cols: d.model.previewGrid!.cols, rows: d.model.previewGrid!.rows)
        #expect(after.x >= before.x)
        d.press(.escape)
        #expect(d.model.viewer?.zoomed == false)
    }

    @Test func helpListsEveryBindingAndQuits() {
        let d = AppDriver(path: TestPaths.exampleData)
        d.press(.char("?"))
        #expect(d.model.showHelp)
        // Scrolled through, the overlay shows every row of the table (KeyBindingTests holds
        // the table to the key handlers).
        var shown = d.text
        for _ in 0..<10 {
            d.press(.pageDown)
            shown += d.text
        }
        for row in KeyBindings.sections.flatMap(\.rows) + KeyBindings.commands {
            #expect(shown.contains("  " + row.keys + " "), "'\(row.keys)' is not in the overlay")
            #expect(shown.contains(String(row.action.prefix(20))), "'\(row.action)' is not in the overlay")
        }
        d.press(.char("x"))
        #expect(!d.model.showHelp)
        d.press(.char("q"))
        #expect(d.model.quit)
    }

    /// At 80 columns the status line cuts a napari error before its command; the help
    /// overlay (`?`) shows the whole of the last error, long paths broken across lines.
    @Test func helpShowsTheLastErrorInFull() throws {
        let root = TestPaths.tempDir()
        let dir = root + "/a folder deep enough that the launcher path is longer than the help box"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = dir + "/multipage_T5.tif"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/multipage_T5.tif", toPath: path)
        let d = AppDriver(path: path, rows: 30, cols: 80)
        // A missing interpreter deep in that folder: the message names its long path.
        let python = dir + "/venv/bin/python3"
        d.model.napariPython = python
        d.press(.char("n"))
        let error = try #require(d.model.lastError)
        #expect(error.contains(python), "\(error)")
        d.press(.char("?"))
        let lines = HelpView.lines(d.model, width: 76).map(\.0)
        let start = try #require(lines.firstIndex(of: "Last error")) + 1
        let shown = lines[start...].prefix { !$0.isEmpty }
        #expect(shown.allSatisfy { TextWidth.width($0) <= 72 } && shown.count > 2, "\(shown)")
        // Wrapping drops only the spaces it breaks at.
        #expect(shown.joined().filter { $0 != " " } == error.filter { $0 != " " })
    }

    @Test func commandLine() throws {
        let d = AppDriver(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif")
        d.press(.char(":"))
        d.type("z 2")
        #expect(d.text.contains(":z 2"))
        d.press(.enter)
        #expect(d.model.viewer?.z == 1)
        d.press(.char(":"))
        d.type("contrast 100:200")
        d.press(.enter)
        #expect(d.model.viewer?.limits[0] == .init(100, 200))
        // The CLI's --contrast rule: a limit past Double's range is refused, not -1.8e308.
        d.press(.char(":"))
        d.type("contrast -1e400:1")
        d.press(.enter)
        #expect(d.model.message?.isError == true)
        #expect(d.model.viewer?.limits[0] == .init(100, 200))
        d.press(.char(":"))
        d.type("contrast -10:-5")
        d.press(.enter)
        #expect(d.model.viewer?.limits[0] == .init(-10, -5))
        d.press(.char(":"))
        d.type("nonsense")
        d.press(.enter)
        #expect(d.model.message?.isError == true)
        d.press(.char(":"))
        d.type("z 99")
        d.press(.enter)
        #expect(d.model.message?.text.contains("1 to 5") == true)
    }

    @Test func unreadableAndVanishedEntriesGiveMessages() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/broken.tif", contents: Data("II*\0garbage".utf8))
        FileManager.default.createFile(atPath: dir + "/gone.tif", contents: Data())
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop", withDestinationPath: dir)
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling.tif", withDestinationPath: dir + "/nowhere")
        let d = AppDriver(path: dir)
        #expect(d.text.contains("broken.tif"))
        try FileManager.default.removeItem(atPath: dir + "/gone.tif")
        d.select("gone.tif")
        d.press(.enter)
        #expect(d.model.message?.isError == true)
        #expect(d.model.viewer == nil)
        d.select("broken.tif")
        d.press(.enter)
        #expect(d.model.message?.text.hasPrefix("broken.tif: ") == true)
        // A symlink loop is just a folder we can enter again and again.
        d.select("loop")
        d.press(.enter, .enter)
        #expect(d.model.browser.error == nil)
        d.select("dangling.tif")
        d.press(.enter)
        #expect(d.model.message?.isError == true)
    }

    /// `--store disk`: the store is built in the background and the preview then reads it;
    /// what is shown does not change.
    @Test func diskStoreServesThePreview() throws {
        let cache = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let path = cache + "/tiled_deflate_bigtiff.tif"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/tiled_deflate_bigtiff.tif", toPath: path)
        let memory = AppDriver(path: path)
        let disk = AppDriver(path: path, store: .disk, cacheDir: cache)
        guard case let .ready(storePath)? = disk.model.viewer?.store else {
            Issue.record("store not ready: \(String(describing: disk.model.viewer?.store))")
            return
        }
        #expect(storePath.hasPrefix(cache) && storePath.hasSuffix("tiled_deflate_bigtiff.tif.ome.zarr"))
        #expect(disk.model.viewer?.array.levels is StoreReader)
        #expect(disk.model.viewer?.grid == memory.model.viewer?.grid)
        #expect(StatusView.statusText(disk.model).contains("store ready"))
        // A correction re-annotates (or rebuilds) the store, which stays usable.
        disk.press(.char(":"))
        disk.type("set PhysicalSizeX=0.5")
        disk.press(.enter)
        if case .ready? = disk.model.viewer?.store {} else { Issue.record("store after edit: \(String(describing: disk.model.viewer?.store))") }
    }

    @Test func resizeKeepsThePreviewInside() throws {
        let d = AppDriver(path: TestPaths.exampleData + "/tiled_deflate_bigtiff.tif")
        d.model.screen = (30, 90)
        d.press(.resize)
        let g = try #require(d.model.previewGrid)
        let p = try #require(d.model.layout.preview)
        #expect(g.x >= p.x && g.x + g.cols <= p.x + p.width && g.y + g.rows < p.y + p.height)
        #expect(d.model.viewer?.grid?.cols == g.cols)
        d.model.screen = (10, 40)
        d.press(.resize)
        #expect(d.model.layout.preview == nil)
        _ = d.text
    }
}
