import OmioEngine
@testable import OmioTUI
import Testing

/// The range type the CLI and the TUI's `:` commands share: what each form resolves to.
struct AxisRangeTests {
    @Test(arguments: [
        ("3", 10, AxisSelection.range(start: 3, stop: 4, step: 1)),
        ("-1", 10, .range(start: 9, stop: 10, step: 1)),
        ("2:5", 10, .range(start: 2, stop: 5, step: 1)),
        (":", 10, .range(start: 0, stop: 10, step: 1)),
        ("all", 10, .range(start: 0, stop: 10, step: 1)),
        ("-4:", 10, .range(start: 6, stop: 10, step: 1)),
        (":-8", 10, .range(start: 0, stop: 2, step: 1)),
        ("1::3", 10, .range(start: 1, stop: 10, step: 3)),
        ("0:10:4", 10, .range(start: 0, stop: 10, step: 4)),
        ("4, 0,-1", 10, .list([4, 0, 9])),
    ])
    func formsResolve(_ text: String, _ count: Int, _ want: AxisSelection) throws {
        #expect(try AxisRange(parsing: text).resolve(.t, count: count) == want)
    }

    @Test func indicesAndCountsOfASelection() {
        #expect(AxisSelection.range(start: 1, stop: 10, step: 3).indices == [1, 4, 7])
        #expect(AxisSelection.range(start: 1, stop: 10, step: 3).count == 3)
        #expect(AxisSelection.list([5, 2]).indices == [5, 2])
    }

    @Test func onlyASingleIndexDropsItsAxis() throws {
        #expect(try AxisRange(parsing: "-2").isIndex)
        #expect(try !AxisRange(parsing: "0:1").isIndex)
        #expect(throws: OptionValue.Invalid.self) { try AxisRange(parsing: "0,") }
    }

    @Test func outsideNamesTheAxisAndWhatExists() throws {
        do {
            _ = try AxisRange(parsing: "200:300").resolve(.y, count: 128)
            Issue.record("200:300 on 128 rows resolved")
        } catch let e as UsageError {
            #expect(e.description == "--y: 200:300 is outside 0:128 (the image has 128 rows)")
        }
        do {
            _ = try AxisRange(parsing: "0:70").resolve(.x, count: 64, level: 1)
            Issue.record("0:70 on 64 columns resolved")
        } catch let e as UsageError {
            #expect(e.description == "--x: 0:70 is outside 0:64 (level 1 has 64 columns)")
        }
    }
}
