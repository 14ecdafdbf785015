import Foundation
import OmioFixtures
import Testing

/// A bounded property test of the command line: random option values (0, -1, huge, NaN, "",
/// ranges, junk) and paths (., /, /dev/null, missing, folders, real images) against every
/// subcommand, with a fixed seed. Properties: no run dies by a signal or hangs, and every
/// failure is the one-line form (plus at most one `see` line) with exit 1 or 64.
@Suite(.serialized)
struct ArgumentFuzzTests {
    static let numbers = ["0", "-1", "1", "2", "3", "4096", "4097", "65536", "9223372036854775807", "-9223372036854775808",
                          "99999999999999999999", "1e308", "nan", "inf", "-inf", "", " ", "1.5", "0x10", "abc", "2:0", "0:2", "-1:3",
                          "1:", ":", "5:5", "0:1e999", "all", "auto", "minmax", "none", "zstd", "3", "2", "\u{1B}[2J"]

    /// The values that trapped before they were checked, drawn half of the time.
    static let edges = ["0", "-1", "4097", "9223372036854775807", "nan", "2:0", "-5"]

    /// Subcommands and the options each takes (values drawn from `numbers` or `paths`).
    static let commands: [(words: [String], options: [String], takesFiles: Bool)] = [
        (["info"], ["--series", "--json"], true),
        (["slice"], ["--series", "--t", "--z", "--c", "--level", "-o"], true),
        (["render"], ["--series", "--t", "--z", "--c", "--width", "--height", "--symbols", "--colors", "--contrast", "--reduce", "--store", "--cache-dir", "--cell-size"], true),
        (["set"], ["--series", "--reset"], true),
        (["export"], ["-o", "--series", "--compression", "--force"], true),
        (["cache", "build"], ["--series", "--zarr-format", "--compression", "--cache-dir"], true),
        (["cache", "list"], ["--json"], true), // not --recursive: `cache list / --recursive` walks the machine
        (["cache", "purge"], ["--all", "--stale", "--dry-run"], true),
        (["napari"], ["--series", "--mode", "--python", "--no-launch", "--cache-dir", "--wait"], true),
        ([], ["--colors", "--store", "--cache-dir", "--python", "--colours", "--bogus", "--cell-size", "--theme"], true),
        (["help"], [], false),
        (["inof"], [], false),
    ]
    static let flags: Set<String> = ["--json", "--reset", "--force", "--recursive", "--all", "--stale", "--dry-run", "--no-launch"]

    @Test func randomCommandLinesNeverTrapAndFailInOneLine() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Copies, so `set`, `export` and `cache` write only inside the temp folder.
        let image = dir + "/img.tif", stack = dir + "/stack.tif", out = dir + "/out"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: image)
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif", toPath: stack)
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: true)
        let paths = [image, stack, ".", "/", "/dev/null", "", dir + "/missing.tif", dir + "/folder", dir + "/folder/",
                     "..", "-", "PhysicalSizeZ=5", "physicalsizez=-1", "Channel 9 Name=x"]
        // Values of options that write: never a device or a system folder (device outputs are
        // another test's business; as root a rename over /dev/null would break the machine).
        let outputs = [out + ".npy", out + ".ome.tif", ".", "/", "", dir + "/folder", dir + "/folder/", "..", dir + "/missing/x.npy"]
        let folders = ["", dir + "/folder", dir + "/missing", image, "/dev/null"]
        let pythons = ["", "/bin/false", dir + "/missing", "/dev/null"]

        var rng = SplitMix64(seed: 0x0DD5_EED5)
        let deadline = Date().addingTimeInterval(20)
        var runs = 0, failures = 0
        while Date() < deadline, runs < 400 {
            let command = Self.commands.randomElement(using: &rng)!
            var args = command.words
            // Mostly a real image first, so the option values reach the code that uses them.
            if command.takesFiles, Int.random(in: 0..<10, using: &rng) > 0 {
                args.append(Int.random(in: 0..<10, using: &rng) < 6 ? [image, stack].randomElement(using: &rng)! : paths.randomElement(using: &rng)!)
                if Int.random(in: 0..<4, using: &rng) == 0 { args.append(paths.randomElement(using: &rng)!) }
            }
            // Mostly one option: with several, the first bad one hides the others.
            for _ in 0..<(Int.random(in: 0..<10, using: &rng) < 7 ? 1 : Int.random(in: 0...4, using: &rng)) {
                guard let option = command.options.randomElement(using: &rng) else { break }
                args.append(option)
                if !Self.flags.contains(option) {
                    let numbers = Bool.random(using: &rng) ? Self.edges : Self.numbers
                    let pool = option == "-o" ? outputs : option == "--cache-dir" ? folders : option == "--python" ? pythons : numbers
                    let value = pool.randomElement(using: &rng)!
                    // Both spellings: the value as the next word and attached with "=".
                    if Bool.random(using: &rng) { args.append(value) } else { args[args.count - 1] += "=" + value }
                }
            }
            // Never the inspector itself (it needs a terminal; stdin is /dev/null, so it refuses).
            let r = try BinaryRunner.run(args, timeout: 20, environment: ["OMIO_PYTHON": "/bin/false"], cwd: dir)
            runs += 1
            #expect(!r.signalled && !r.timedOut, "\(args): signal \(r.status), timed out \(r.timedOut)")
            guard r.status != 0 else { continue }
            failures += 1
            #expect(r.status == 1 || r.status == 64, "\(args): exit \(r.status) \(r.stderr)")
            let errors = r.stderrLines.filter { $0.hasPrefix("omio-tui: error: ") }
            let sees = r.stderrLines.filter { $0.hasPrefix("see 'omio-tui") }
            #expect(errors.count >= 1 && sees.count <= 1, "\(args): \(r.stderr)")
            if r.status == 64 {
                #expect(r.stderrLines.count == errors.count + sees.count, "\(args): \(r.stderr)")
            }
            #expect(!r.stderr.contains("Usage:") && !r.stderr.contains("USAGE:"), "\(args): usage dump \(r.stderr)")
        }
        print("argument fuzz: \(runs) command lines, \(failures) failed as expected, none by a signal")
        #expect(runs >= 15, "only \(runs) runs in 20 s")
        #expect(failures > runs / 4, "the generator should mostly produce bad command lines")
    }
}
