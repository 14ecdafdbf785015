import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// `info`, `slice`, `render` and `export` on OME-Zarr store folders written by ome-zarr-py: the
/// store is the input like a file is; what is written equals zarr-python's reading; nothing is
/// ever written inside the user's store.
@Suite(.serialized)
struct ZarrStoreCLITests {
    @Test func infoDescribesAStoreFolder() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let store = dir + "/tczyx_v05.ome.zarr"
        let r = try BinaryRunner.run(["info", "--json", store])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONValue.parse(Data(r.stdout.utf8))
        #expect(json["format"]?.stringValue == "ome-zarr")
        #expect(json["shape"] == .array([2, 4, 3, 70, 50].map { .int($0) }))
        #expect(json["levels"]?.intValue == 2)
        #expect(json["PhysicalSizeX"]?.doubleValue == 0.5 && json["PhysicalSizeZ"]?.doubleValue == 2)
        #expect(json["TimeIncrement"]?.doubleValue == 0.25)
        // The text form too, with a trailing slash as shells complete folders.
        let text = try BinaryRunner.run(["info", store + "/"])
        #expect(text.status == 0 && text.stdout.contains("ome-zarr") && text.stdout.contains("2 levels"), "\(text.stdout)\(text.stderr)")
    }

    @Test func sliceOfAStoreIsZarrPythonsReading() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let out = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        // czyx on Zarr v2 with blosc: C 1, Z 0:3, rows 5:37:4, columns 30: (crossing chunk edges).
        let r = try BinaryRunner.run(["slice", dir + "/czyx_v04_blosc.ome.zarr", "--c", "1", "--z", "0:3", "--y", "5:37:4", "--x", "30:", "-o", out + "/s.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let level = try NGFFTestStores.expected("czyx_v04_blosc.ome.zarr", in: dir).levels[0] // (2, 3, 40, 36) int16
        var want: [UInt8] = []
        for z in 0..<3 {
            for y in stride(from: 5, to: 37, by: 4) {
                for x in 30..<36 {
                    let at = (((1 * 3 + z) * 40 + y) * 36 + x) * 2
                    want.append(contentsOf: level.bytes[at..<(at + 2)])
                }
            }
        }
        let npy = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/s.npy")))
        #expect(npy.count > want.count && Array(npy.suffix(want.count)) == want)
        let header = String(decoding: npy.prefix(128), as: UTF8.self)
        #expect(header.contains("(3, 8, 6)") && header.contains("<i2"), "\(header)")
    }

    @Test func renderAndExportReadAStore() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let out = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let store = dir + "/tczyx_v05.ome.zarr"
        let r = try BinaryRunner.run(["render", store, "--width", "20", "--height", "8", "--colors", "truecolor"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count >= 4 && r.stdout.contains("\u{1B}[38;2;"))
        // --store disk: the store is its own pyramid; nothing is built beside it.
        let disk = try BinaryRunner.run(["render", store, "--width", "20", "--height", "8", "--store", "disk"])
        #expect(disk.status == 0 && disk.stdout == r.stdout, "\(disk.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache"))
        // Export to OME-TIFF: every plane as zarr-python reads it.
        let e = try BinaryRunner.run(["export", store, "-o", out + "/e.ome.tif"], timeout: 60)
        #expect(e.status == 0, "\(e.stderr)")
        let tif = try ImageOpener.open(path: out + "/e.ome.tif")
        let m = tif.metadata(series: 0)
        #expect(m.shape == Shape(t: 2, z: 4, c: 3, y: 70, x: 50) && abs(m.physicalSizeX - 0.5) < 1e-9 && m.timeIncrement == 0.25)
        let level = try NGFFTestStores.expected("tczyx_v05.ome.zarr", in: dir).levels[0] // t c z y x
        let plane = try tif.readPlane(plane: PlaneIndex(t: 1, z: 3, c: 2))
        let at = (((1 * 3 + 2) * 4 + 3) * 70 * 50) * 2
        #expect(plane.bytes == Array(level.bytes[at..<(at + 70 * 50 * 2)]))
    }

    @Test func outputsInsideTheStoreAreRefused() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let store = dir + "/zyx.ome.zarr"
        let before = try FileManager.default.subpathsOfDirectory(atPath: store).sorted()
        for (args, name) in [(["slice"], "/x.npy"), (["slice"], "/s0/x.ome.zarr"), (["export"], "/x.ome.tif"), (["slice"], "/../zyx.ome.zarr/y.npy")] {
            let r = try BinaryRunner.run(args + [store, "-o", store + name])
            #expect(r.status == 1, "\(name): \(r.stderr)")
            #expect(r.stderr.hasPrefix("omio-tui: error: \(store + name): is inside \(store), the store the source reads; refusing to write into it"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        // Nor is a cache folder inside it: no copy of a store is built at all.
        let cache = try BinaryRunner.run(["cache", "build", store, "--cache-dir", store + "/cache"])
        #expect(cache.status == 1 && cache.stderr.contains("is an OME-Zarr store already"), "\(cache.stderr)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: store).sorted() == before)
        // The store folder itself is not an output either.
        let r = try BinaryRunner.run(["slice", store, "-o", store])
        #expect(r.status == 1 && r.stderr.contains("refusing"), "\(r.stderr)")
    }

    /// The same commands on the stores served over HTTP: the URL as given, nothing statted, the
    /// same answers as from the folder; the chunk cache goes to a scratch XDG_CACHE_HOME.
    @Test func theCommandsTakeAURL() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let out = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let server = try ZarrHTTPServer(folder: dir, options: ["--latency", "5"])
        defer { server.stop() }
        let env = ["XDG_CACHE_HOME": out + "/cache"]
        for name in ["tczyx_v05.ome.zarr", "czyx_v04_blosc.ome.zarr", "sharded_custom_axes.ome.zarr", "plate.ome.zarr"] {
            let url = server.baseURL + "/" + name
            let remote = try BinaryRunner.run(["info", "--json", url], timeout: 60, environment: env)
            let local = try BinaryRunner.run(["info", "--json", dir + "/" + name], environment: env)
            #expect(remote.status == 0, "\(name): \(remote.stderr)")
            // The same model, but for the path.
            #expect(remote.stdout.replacingOccurrences(of: url, with: "X") == local.stdout.replacingOccurrences(of: dir + "/" + name, with: "X"), "\(name)")
        }
        let url = server.baseURL + "/czyx_v04_blosc.ome.zarr"
        let r = try BinaryRunner.run(["slice", url, "--c", "1", "--z", "0:3", "--y", "5:37:4", "--x", "30:", "-o", out + "/r.npy"], timeout: 60, environment: env)
        let l = try BinaryRunner.run(["slice", dir + "/czyx_v04_blosc.ome.zarr", "--c", "1", "--z", "0:3", "--y", "5:37:4", "--x", "30:", "-o", out + "/l.npy"], environment: env)
        #expect(r.status == 0 && l.status == 0, "\(r.stderr)\(l.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/r.npy") == FileManager.default.contents(atPath: out + "/l.npy"))
        let render = try BinaryRunner.run(["render", server.baseURL + "/tczyx_v05.ome.zarr", "--width", "20", "--height", "8"], timeout: 60, environment: env)
        let renderLocal = try BinaryRunner.run(["render", dir + "/tczyx_v05.ome.zarr", "--width", "20", "--height", "8"], environment: env)
        #expect(render.status == 0 && render.stdout == renderLocal.stdout, "\(render.stderr)")
        let e = try BinaryRunner.run(["export", server.baseURL + "/zyx.ome.zarr", "-o", out + "/z.ome.tif"], timeout: 60, environment: env)
        #expect(e.status == 0, "\(e.stderr)")
        #expect(try ImageOpener.open(path: out + "/z.ome.tif").metadata(series: 0).shape == Shape(z: 5, y: 33, x: 31))
        // No metadata at the URL: one line naming it.
        let missing = try BinaryRunner.run(["info", server.baseURL + "/nothing.zarr"], timeout: 60, environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr == "omio-tui: error: \(server.baseURL)/nothing.zarr: not an OME-Zarr image (no zarr.json or .zattrs at \(server.baseURL)/nothing.zarr)\n")
    }

    /// A 403 is a missing key (S3's answer without list rights), so a store that wants
    /// credentials reads as all fill value: the command still succeeds but ends with one
    /// warning line naming the URL and the count.
    @Test func forbiddenKeysEndInOneWarning() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let out = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let server = try ZarrHTTPServer(folder: dir, options: ["--forbidden", "tczyx_v05.ome.zarr/*/c/*"])
        defer { server.stop() }
        let url = server.baseURL + "/tczyx_v05.ome.zarr"
        let r = try BinaryRunner.run(["render", url, "--width", "20", "--height", "8"], timeout: 60, environment: ["XDG_CACHE_HOME": out + "/cache"])
        #expect(r.status == 0, "\(r.stderr)")
        let forbidden = try server.stats().paths.filter { $0.key.contains("/c/") }.values.reduce(0, +)
        #expect(forbidden > 0)
        #expect(r.stderr == "omio-tui: warning: \(url): \(forbidden) key\(forbidden == 1 ? "" : "s") answered 403 Forbidden and read as missing (fill value); the server may need credentials\n")
        // Without 403s there is no warning.
        let plain = try ZarrHTTPServer(folder: dir)
        defer { plain.stop() }
        let ok = try BinaryRunner.run(["render", plain.baseURL + "/tczyx_v05.ome.zarr", "--width", "20", "--height", "8"], timeout: 60, environment: ["XDG_CACHE_HOME": out + "/cache2"])
        #expect(ok.status == 0 && ok.stderr.isEmpty, "\(ok.stderr)")
    }

    /// A store `slice` wrote opens as the sub-stack it holds, calibration and channels included,
    /// and slicing it again (store to store) keeps every sample.
    @Test func aStoreSliceWroteIsAnImageAgain() throws {
        let out = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let file = TestPaths.exampleData + "/ome_T4_Z2_C3.ome.tif"
        let r = try BinaryRunner.run(["slice", file, "--t", "1:4", "--z", ":", "--c", "0:3:2", "-o", out + "/a.ome.zarr"])
        #expect(r.status == 0, "\(r.stderr)")
        let again = try BinaryRunner.run(["slice", out + "/a.ome.zarr", "--t", ":", "--z", ":", "--c", ":", "-o", out + "/b.ome.zarr"])
        #expect(again.status == 0, "\(again.stderr)")
        let source = try ImageOpener.open(path: file)
        let sm = source.metadata(series: 0)
        for store in [out + "/a.ome.zarr", out + "/b.ome.zarr"] {
            let zarr = try ImageOpener.open(path: store)
            let m = zarr.metadata(series: 0)
            #expect(m.shape == Shape(t: 3, z: 2, c: 2, y: sm.shape.y, x: sm.shape.x))
            #expect(m.physicalSizeX == sm.physicalSizeX && m.physicalSizeZ == sm.physicalSizeZ && m.timeIncrement == sm.timeIncrement)
            #expect(m.channels.map(\.name) == [sm.channels[0].name, sm.channels[2].name])
            for t in 0..<3 {
                for z in 0..<2 {
                    for (k, c) in [0, 2].enumerated() {
                        #expect(try zarr.readPlane(plane: PlaneIndex(t: t, z: z, c: k)).bytes == source.readPlane(plane: PlaneIndex(t: t + 1, z: z, c: c)).bytes)
                    }
                }
            }
        }
    }

    @Test func aFolderWithoutMetadataIsOneLine() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/nothing.zarr", withIntermediateDirectories: true)
        let r = try BinaryRunner.run(["info", dir + "/nothing.zarr"])
        #expect(r.status == 1)
        #expect(r.stderr == "omio-tui: error: \(dir)/nothing.zarr: not an OME-Zarr image (no zarr.json or .zattrs at \(dir)/nothing.zarr)\n")
    }

    /// A private CA is trusted through SSL_CERT_FILE, also where the environment already points
    /// CURL_CA_BUNDLE at the system bundle (as many machines do); a bundle that cannot be read is
    /// named.
    @Test func aPrivateCAIsTrustedFromTheEnvironment() throws {
        guard ZarrHTTPServer.python != nil else { return print("SKIPPED: no python3 for the test server") }
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard try UserZarrStores.make(.v3, in: dir + "/served") != nil else { return }
        let openssl = ["sh", "-c", """
            cd '\(dir)' && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=omio-test-ca -keyout ca.key -out ca.pem \
            && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout srv.key -out srv.csr \
            && printf 'subjectAltName=IP:127.0.0.1\\n' > ext \
            && openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out srv.pem
            """]
        let made = try ChildProcess.run("/usr/bin/env", openssl, timeout: 60)
        guard made.status == 0 else { return print("SKIPPED: openssl cannot make a CA: \(made.stderr)") }
        let server = try ZarrHTTPServer(folder: dir + "/served", options: ["--tls", dir + "/srv.pem", dir + "/srv.key"])
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/v3.ome.zarr"
        let base = ["OMIO_HTTP_CACHE_MB": "0", "CURL_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_FILE": ""]
        let untrusted = try BinaryRunner.run(["info", url], environment: base)
        #expect(untrusted.status == 1 && untrusted.stderr.contains("TLS certificate not trusted"), "\(untrusted.stderr)")
        let trusted = try BinaryRunner.run(["info", url], environment: base.merging(["SSL_CERT_FILE": dir + "/ca.pem"]) { $1 })
        #expect(trusted.status == 0 && trusted.stdout.contains("ome-zarr"), "\(trusted.stdout) \(trusted.stderr)")
        let missing = try BinaryRunner.run(["info", url], environment: base.merging(["SSL_CERT_FILE": dir + "/none.pem"]) { $1 })
        #expect(missing.stderr == "omio-tui: error: \(url): zarr.json: cannot read the CA bundle \(dir)/none.pem (from SSL_CERT_FILE, CURL_CA_BUNDLE or REQUESTS_CA_BUNDLE)\n",
                "\(missing.stderr)")
    }
}
