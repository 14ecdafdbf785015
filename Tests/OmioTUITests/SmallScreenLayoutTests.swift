import Foundation
import OmioFixtures
import Testing
@testable import OmioTUI

/// 80x24 and smaller: names before badges (cut in the middle, extension kept), a status line
/// that drops whole fields, a visible focus marker, and one line when the window is too small.
struct SmallScreenLayoutTests {
    /// A folder with a long-named copy of an example stack, opened at 80x24.
    func driver(rows: Int = 24, cols: Int = 80) throws -> (AppDriver, String) {
        let dir = TestPaths.tempDir()
        let name = "experiment_2024_03_14_embryo_lightsheet_long_name_stack.tif"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif", toPath: dir + "/" + name)
        let d = AppDriver(path: dir, rows: rows, cols: cols)
        d.select(name)
        return (d, dir)
    }

    @Test func namesKeepTheirExtensionAndNumbersStayWhole() throws {
        let (d, dir) = try driver()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        d.press(.enter)
        let s = d.screen
        let row = (0..<s.rows).map(s.line).first { $0.contains("…") && $0.contains("stack.tif") }
        #expect(row != nil, "the long name is cut in the middle, its end kept:\n\(s.text)")
        #expect(row?.hasPrefix(" experiment_") == true, "\(row ?? "")")
        let status = s.line(s.rows - 1)
        // Every field shown is whole: the position and the pixel size are never cut.
        #expect(status.contains("T 1/3  Z 3/5  C all/2"), "\(status)")
        #expect(status.contains("0.2 µm/px"), "\(status)")
        for field in status.split(separator: "·").map({ $0.trimmingCharacters(in: .whitespaces) }) where !field.isEmpty {
            #expect(StatusView.statusFields(d.model).contains { $0.text == field }, "cut field \"\(field)\" in \(status)")
        }
    }

    @Test func theFocusedPaneIsMarkedWithoutColour() throws {
        let (d, dir) = try driver()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(d.screen.line(0).hasPrefix("▶ "), "\(d.screen.line(0))")
        d.press(.tab)
        let s = d.screen
        #expect(!s.line(0).hasPrefix("▶"))
        #expect((0..<s.rows).map(s.line).contains { $0.hasPrefix("▶ Metadata:") }, "\(s.text)")
    }

    @Test func thePurgeMenuKeysWrapWhole() throws {
        let (d, dir) = try driver()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        d.press(.enter, .char("p"))
        let s = d.screen.text
        for key in ["d purge selected", "s stale/partial/orphan", "A whole .omio_cache", "r recursive", "Esc close"] {
            #expect(s.contains(key), "\(key) missing at 80x24:\n\(s)")
        }
    }

    @Test func aTooSmallWindowShowsOneCentredLine() throws {
        let (d, dir) = try driver(rows: 8, cols: 30)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = d.screen.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(lines == ["enlarge the window"], "\(lines)")
        #expect(AppView.previewCovered(d.model))
    }
}
