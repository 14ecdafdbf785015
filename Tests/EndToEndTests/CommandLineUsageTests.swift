import Foundation
import OmioFixtures
import Testing

/// Bad command lines: each is one error line (plus at most one `see` line), exit 64, and no
/// work done — never a trap, a 540 GB allocation or a multi-line usage dump.
@Suite(.serialized)
struct CommandLineUsageTests {
    /// Copies in a scratch folder: on the old binary some of these command lines succeeded and
    /// wrote stores and launchers beside the image (and `--cache-dir ""` into the working folder).
    static let scratch: String = {
        let dir = TestPaths.tempDir()
        for name in ["rgb.tif", "hyperstack_T3_Z5_C2.tif"] {
            try? FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }()
    static let rgb = scratch + "/rgb.tif"
    static let stack = scratch + "/hyperstack_T3_Z5_C2.tif"

    /// The one-line contract for a usage error; returns the error line.
    @discardableResult
    static func expectUsageError(_ r: ProcessOutcome, status: Int32 = 64, _ args: [String]) -> String {
        #expect(!r.signalled && !r.timedOut, "\(args): died by signal \(r.status)")
        #expect(r.status == status, "\(args): exit \(r.status), stderr \(r.stderr)")
        let lines = r.stderrLines
        #expect(lines.count == 1 || (lines.count == 2 && lines[1].hasPrefix("see 'omio-tui") && lines[1].hasSuffix(" --help'")), "\(args): \(r.stderr)")
        #expect(lines.first?.hasPrefix("omio-tui: error: ") == true, "\(args): \(r.stderr)")
        return lines.first ?? ""
    }

    /// Each bad value, with the exact line the user gets.
    @Test(arguments: [
        (["render", rgb, "--width", "0"], "--width: must be a whole number between 1 and 4096"),
        (["render", rgb, "--height", "0"], "--height: must be a whole number between 1 and 4096"),
        (["render", rgb, "--width", "-5"], "--width: must be a whole number between 1 and 4096"),
        (["render", rgb, "--width", "100000", "--height", "100000"], "--width: must be a whole number between 1 and 4096"),
        (["render", rgb, "--width", "9223372036854775807"], "--width: must be a whole number between 1 and 4096"),
        (["render", rgb, "--width", "99999999999999999999"], "--width: must be a whole number between 1 and 4096"),
        (["render", rgb, "--height", "4097"], "--height: must be a whole number between 1 and 4096"),
        (["render", rgb, "--width", "4096", "--height", "4096"], "--width x --height: at most 1048576 cells (1024 x 1024, 4096 x 256)"),
        (["render", rgb, "--t", "2:0"], "--t: the range 2:0 is reversed; write 0:2"),
        (["render", rgb, "--z", "a:b"], "--z: must be an index N, a range A:B or A:B:STEP (half-open: 0:10 is 0 to 9; negative counts from the end), or a list A,B"),
        (["render", rgb, "--contrast", "nan:1"], "--contrast: must be auto, minmax, stack or LO:HI with finite numbers and LO < HI"),
        (["render", rgb, "--contrast", "5:5"], "--contrast: must be auto, minmax, stack or LO:HI with finite numbers and LO < HI"),
        (["render", rgb, "--contrast", "0:inf"], "--contrast: must be auto, minmax, stack or LO:HI with finite numbers and LO < HI"),
        (["render", rgb, "--contrast", "-1e400:1"], "--contrast: must be auto, minmax, stack or LO:HI with finite numbers and LO < HI"),
        (["render", rgb, "--symbols", "braille"], "--symbols: 'braille' is not one of 'half', 'quad' or 'sextant'"),
        (["render", rgb, "--c", "-1"], "--c: must be a channel index (0-based) or 'all'"),
        (["render", rgb, "--cell-size", "0x16"], "--cell-size: must be WIDTHxHEIGHT in pixels, each 1-1000 (as 8x16)"),
        (["render", rgb, "--cell-size", "8"], "--cell-size: must be WIDTHxHEIGHT in pixels, each 1-1000 (as 8x16)"),
        (["--theme", "blue"], "--theme: 'blue' is not one of 'dark' and 'light'"),
        (["slice", rgb, "-o", ""], "-o: must name a file, not be empty"),
        (["slice", rgb, "--t", "x", "-o", "/tmp/x.npy"], "--t: must be an index N, a range A:B or A:B:STEP (half-open: 0:10 is 0 to 9; negative counts from the end), or a list A,B"),
        (["info", rgb, "--series", "-1"], "--series: must be a whole number, 0 or more (indices are 0-based)"),
        (["cache", "build", rgb, "--zarr-format", "4"], "--zarr-format: must be 3 or 2"),
        (["cache", "build", rgb, "--compression", "lz4"], "--compression: must be none, gzip or zstd"),
        (["cache", "build", rgb, "--cache-dir", ""], "--cache-dir: must not be empty"),
        (["napari", rgb, "--wait", "nan"], "--wait: must be a number of seconds between 0 and 600"),
        (["napari", rgb, "--python", ""], "--python: must not be empty"),
        (["render", rgb, "--bogus"], "unknown option '--bogus'"),
        (["--colours", "256"], "unknown option '--colours' (did you mean '--colors'?)"),
        (["render"], "missing expected argument '<file>'"),
        (["inof", rgb], "unknown command 'inof' (did you mean 'info'?)"),
        (["rendr"], "unknown command 'rendr' (did you mean 'render'?)"),
        (["cache", "lst"], "unknown command 'lst' (did you mean 'list'?)"),
        (["help", "foo"], "unknown command 'foo' (commands: browse, info, slice, render, set, export, cache, napari)"),
    ] as [([String], String)])
    func badValueIsOneLineExit64(args: [String], reason: String) throws {
        let r = try BinaryRunner.run(args, timeout: 10, cwd: Self.scratch)
        let line = Self.expectUsageError(r, args)
        #expect(line == "omio-tui: error: " + reason, "\(args)")
        #expect(r.stdout.isEmpty, "\(args): \(r.stdout.prefix(200))")
    }

    /// Indices checked against the open file: exit 64, the file's path, the range that exists.
    @Test(arguments: [
        (["render", stack, "--t", "3"], "--t: 3 is outside 0:3 (T has 3 positions)"),
        (["render", stack, "--z", "1:6"], "--z: 1:6 is outside 0:5 (Z has 5 positions)"),
        (["render", stack, "--c", "2"], "--c: 2 is outside 0:2 (C has 2 positions)"),
        (["render", stack, "--series", "1"], "--series: 1 is outside 0:1 (the file has 1 series)"),
        (["slice", stack, "--c", "7", "-o", scratch + "/never-written.npy"], "--c: 7 is outside 0:2 (C has 2 positions)"),
        (["slice", stack, "--level", "3", "-o", scratch + "/never-written.npy"], "--level: 3 is outside 0:1 (the series has 1 level)"),
        (["info", stack, "--series", "2"], "--series: 2 is outside 0:1 (the file has 1 series)"),
        // Every subcommand with --series checks it before reading the series (cache build trapped).
        (["cache", "build", stack, "--series", "1", "--cache-dir", scratch + "/never-cache"], "--series: 1 is outside 0:1 (the file has 1 series)"),
        (["cache", "build", stack, "--series", "9223372036854775807", "--cache-dir", scratch + "/never-cache"],
         "--series: 9223372036854775807 is outside 0:1 (the file has 1 series)"),
        (["napari", stack, "--series", "3", "--no-launch", "--cache-dir", scratch + "/never-cache"], "--series: 3 is outside 0:1 (the file has 1 series)"),
        (["slice", stack, "--series", "1", "-o", scratch + "/never-written.npy"], "--series: 1 is outside 0:1 (the file has 1 series)"),
        (["export", stack, "--series", "1", "-o", scratch + "/never-written.npy"], "--series: 1 is outside 0:1 (the file has 1 series)"),
        (["set", stack, "--series", "1", "PhysicalSizeZ=2"], "--series: 1 is outside 0:1 (the file has 1 series)"),
    ] as [([String], String)])
    func indexOutsideTheFileIsExit64(args: [String], reason: String) throws {
        let r = try BinaryRunner.run(args, timeout: 10, cwd: Self.scratch)
        let line = Self.expectUsageError(r, args)
        #expect(line == "omio-tui: error: \(Self.stack): \(reason)")
        #expect(!FileManager.default.fileExists(atPath: Self.scratch + "/never-written.npy"))
        #expect(!FileManager.default.fileExists(atPath: Self.scratch + "/never-cache"))
    }

    /// Arguments that do not fit together or a key/value `set` cannot take: exit 64 (they were
    /// exit 1, "a folder needs --all or --stale" even with both given).
    @Test(arguments: [
        (["cache", "purge", scratch, "--all", "--stale"], scratch, "--all and --stale cannot be combined; give one"),
        (["cache", "purge", scratch], scratch, "a folder needs --all or --stale"),
        (["cache", "purge", rgb, "--all"], rgb, "--all and --stale take a folder; a file purges its own caches"),
        (["set", stack, "Foo=1"], stack, "unknown key 'Foo'"),
        (["set", stack, "PhysicalSizeZ=nan"], stack, "PhysicalSizeZ"),
        (["set", stack, "PhysicalSizeZ"], stack, "'PhysicalSizeZ' is not KEY=VALUE"),
    ] as [([String], String, String)])
    func argumentsThatDoNotFitAreExit64(args: [String], path: String, reason: String) throws {
        let r = try BinaryRunner.run(args, timeout: 10, cwd: Self.scratch)
        let line = Self.expectUsageError(r, args)
        #expect(line.hasPrefix("omio-tui: error: \(path): \(reason)"), "\(args): \(line)")
        #expect(!FileManager.default.fileExists(atPath: Self.stack + ".omio.json"), "\(args) saved an edit")
    }

    /// A LO:HI that starts with '-' is the option's value, not another option.
    @Test func negativeContrastLimitsAreAValue() throws {
        let r = try BinaryRunner.run(["render", Self.stack, "--contrast", "-10:-5", "--width", "8", "--height", "4"], timeout: 10)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.isEmpty)
    }

    /// A first word close to a command is a typo (exit 64); any other missing word is a
    /// missing path for the inspector (exit 1); neither starts the inspector on nothing.
    @Test func typoIsAnUnknownCommandOtherWordsAMissingPath() throws {
        let typo = try BinaryRunner.run(["slcie", "x.tif"])
        #expect(Self.expectUsageError(typo, ["slcie"]) == "omio-tui: error: unknown command 'slcie' (did you mean 'slice'?)")
        let r = try BinaryRunner.run(["/nonexistent/folder"])
        Self.expectUsageError(r, status: 1, ["/nonexistent/folder"])
        #expect(r.stderr == "omio-tui: error: /nonexistent/folder: no such file or directory\n")
    }

    /// An option of the default command given without its word points at the help that lists it.
    @Test func defaultCommandOptionsPointAtItsHelp() throws {
        let r = try BinaryRunner.run([Self.rgb, "--theme", "bogus"])
        Self.expectUsageError(r, [Self.rgb, "--theme", "bogus"])
        #expect(r.stderrLines.last == "see 'omio-tui browse --help'", "\(r.stderr)")
        let render = try BinaryRunner.run(["render", Self.rgb, "--theme", "light"])
        #expect(render.stderrLines.last == "see 'omio-tui render --help'", "\(render.stderr)")
    }

    @Test func helpIsShortOfUsageDumpsAndListsEveryFormat() throws {
        let top = try BinaryRunner.run(["--help"])
        #expect(top.status == 0 && top.stdout.contains("CZI") && top.stdout.contains("Thorlabs RAW") && top.stdout.contains("64"))
        let sub = try BinaryRunner.run(["help", "render"])
        #expect(sub.status == 0 && sub.stdout.contains("--width"))
    }

    /// `set` keys in any case, as people type them.
    @Test func setKeysAreCaseInsensitive() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.stack, toPath: dir + "/f.tif")
        let r = try BinaryRunner.run(["set", dir + "/f.tif", "physicalsizez=5", "channel 0 name=DAPI"])
        #expect(r.status == 0, "\(r.stderr)")
        let info = try BinaryRunner.run(["info", "--json", dir + "/f.tif"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(obj["PhysicalSizeZ"] as? Double == 5)
    }
}
