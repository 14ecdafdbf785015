import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// Damaged and hostile stores: each is one FormatError in plain words, naming what is wrong,
/// and nothing is allocated from a header's claims.
struct ZarrHostileTests {
    /// A store folder with a hand-written zarr.json and nothing else.
    private func store(zarrJSON: String) throws -> (LocalZarrStore, String) {
        let dir = TestPaths.tempDir()
        try Data(zarrJSON.utf8).write(to: URL(fileURLWithPath: dir + "/zarr.json"))
        return (LocalZarrStore(folder: dir), dir)
    }

    private func v3(shape: String, chunks: String, dtype: String = "uint8", codecs: String = #"[{"name": "bytes"}]"#) -> String {
        #"""
        {"zarr_format": 3, "node_type": "array", "shape": \#(shape), "data_type": "\#(dtype)",
         "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": \#(chunks)}},
         "chunk_key_encoding": {"name": "default"}, "fill_value": 3, "codecs": \#(codecs)}
        """#
    }

    private func reason(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch let e as FormatError {
            return e.reason
        } catch {
            return "not a FormatError: \(error)"
        }
    }

    @Test func hugeClaimedShapeAllocatesOnlyTheRegion() throws {
        // 10^18 samples: as far as a shape may claim (10^24 overflows Int64 and is refused).
        let (s, dir) = try store(zarrJSON: v3(shape: "[1000000000, 1000000000]", chunks: "[256, 256]"))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reader = try ZarrArrayReader(store: s, path: "")
        let far = [ZarrRange(lower: 999_999_990, upper: 1_000_000_000), ZarrRange(lower: 5, upper: 1_000_000_000, step: 100_000_000)]
        #expect(try reader.read(far) == [UInt8](repeating: 3, count: 10 * 10))
        #expect(reader.keys(touching: far).count == 10)
        #expect(reason { try reader.read([.all(1_000_000_000), .all(1_000_000_000)]) }.contains("over 4 GiB"))

        let (huge, dir2) = try store(zarrJSON: v3(shape: "[1000000000, 1000000000]", chunks: "[1000000000, 1000000000]"))
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        #expect(reason { try ZarrArrayReader(store: huge, path: "") } == "zarr.json: chunk of 1000000000x1000000000 samples is too large (over 1 GiB)")
        let sharded = v3(shape: "[1000000000000]", chunks: "[1000000000000]",
                         codecs: #"[{"name": "sharding_indexed", "configuration": {"chunk_shape": [1], "codecs": [{"name": "bytes"}]}}]"#)
        let (manyInner, dir3) = try store(zarrJSON: sharded)
        defer { try? FileManager.default.removeItem(atPath: dir3) }
        #expect(reason { try ZarrArrayReader(store: manyInner, path: "") }.contains("too many to index"))
    }

    /// A header's claims cost nothing: 10^30 samples overflow Int64 and are refused in one
    /// line (not read as 10^6 channels, each a line of `info`), and a channel count past the
    /// bound CZI uses is refused before the model keeps a record per channel.
    @Test func shapesPastInt64AndChannelFloodsAreRefused() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zarray = #"{"zarr_format": 2, "shape": [1000000, 1000000, 1000000, 1000000, 1000000], "chunks": [1, 1, 1, 64, 64], "dtype": "|u1", "compressor": null, "fill_value": 0, "order": "C", "filters": null}"#
        try Data(zarray.utf8).write(to: URL(fileURLWithPath: dir + "/.zarray"))
        #expect(throws: OmioError(dir, ".zarray: shape [1000000, 1000000, 1000000, 1000000, 1000000] holds more than 2^63 samples")) {
            try ImageOpener.open(path: dir)
        }
        let (v3store, dir2) = try store(zarrJSON: v3(shape: "[4000000000, 4000000000, 4000000000]", chunks: "[1, 64, 64]"))
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        #expect(reason { try ZarrArrayReader(store: v3store, path: "") } == "zarr.json: shape [4000000000, 4000000000, 4000000000] holds more than 2^63 samples")

        let (channels, dir3) = try store(zarrJSON: v3(shape: "[1, 5000, 1, 8, 8]", chunks: "[1, 1, 1, 8, 8]"))
        defer { try? FileManager.default.removeItem(atPath: dir3) }
        #expect(throws: OmioError(dir3, "the image claims 5000 channels (at most 4096 are read)")) {
            try ZarrImageSource.open(store: channels)
        }
        let (fine, dir4) = try store(zarrJSON: v3(shape: "[1, 4096, 1, 8, 8]", chunks: "[1, 1, 1, 8, 8]"))
        defer { try? FileManager.default.removeItem(atPath: dir4) }
        #expect(try ZarrImageSource.open(store: fine).metadata(series: 0).shape.c == 4096)
    }

    @Test func unsupportedThingsAreNamed() throws {
        let cases: [(String, String)] = [
            (v3(shape: "[4]", chunks: "[4]", codecs: #"[{"name": "bytes"}, {"name": "foo"}]"#), "codec 'foo' is not supported"),
            (v3(shape: "[4]", chunks: "[4]", dtype: "int64"), "data type int64 is not supported"),
            (v3(shape: "[4]", chunks: "[4]", dtype: "complex64"), "data type complex64 is not supported"),
            (v3(shape: "[4]", chunks: "[4]", dtype: "float16"), "data type float16 is not supported"),
            (v3(shape: "[4]", chunks: "[4]", codecs: #"[{"name": "bytes"}, {"name": "blosc", "configuration": {"cname": "snappy"}}]"#),
             "blosc compressor 'snappy' is not supported"),
            (v3(shape: "[4]", chunks: "[4]", codecs: #"[{"name": "bytes"}, {"name": "zstd"}, {"name": "gzip"}]"#), "compresses twice"),
        ]
        for (json, expected) in cases {
            let (s, dir) = try store(zarrJSON: json)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(reason { try ZarrArrayReader(store: s, path: "") }.contains(expected), "\(expected)")
        }
        // Zarr v2: dtype, compressor and filter by their numcodecs names.
        let v2: [(String, String)] = [
            (#""dtype": "<i8", "compressor": null, "filters": null"#, "data type int64 is not supported"),
            (#""dtype": "|b1", "compressor": null, "filters": null"#, "data type bool is not supported"),
            // Named as written: 999999999999 bytes is no type ("uint7999999999992" was shown).
            (#""dtype": "<u999999999999", "compressor": null, "filters": null"#, "data type '<u999999999999' is not supported"),
            (#""dtype": "<u2", "compressor": {"id": "lzma"}, "filters": null"#, "codec 'lzma' is not supported"),
            (#""dtype": "<u2", "compressor": null, "filters": [{"id": "delta", "dtype": "<u2"}]"#, "filter 'delta' is not supported"),
        ]
        for (fields, expected) in v2 {
            let dir = TestPaths.tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let json = #"{"zarr_format": 2, "shape": [4], "chunks": [4], "fill_value": 0, "order": "C", "#  + fields + "}"
            try Data(json.utf8).write(to: URL(fileURLWithPath: dir + "/.zarray"))
            #expect(reason { try ZarrArrayReader(store: LocalZarrStore(folder: dir), path: "") } == ".zarray: " + expected)
        }
    }

    /// A web server's page or an object store's XML error where zarr.json should be: named.
    @Test func documentsThatAreNotJSONSayWhatTheyAre() throws {
        let cases = [("<!DOCTYPE html>\n<html><body>Sign in</body></html>", "zarr.json is not valid JSON (it is an HTML page)"),
                     ("  <?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code></Error>", "zarr.json is not valid JSON (it is an XML document, perhaps an error message)"),
                     ("", "zarr.json is not valid JSON (it is empty)"),
                     ("{\"zarr_format\": 3,", "zarr.json is not valid JSON")]
        for (text, expected) in cases {
            let (s, dir) = try store(zarrJSON: text)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(reason { try ZarrArrayReader(store: s, path: "") } == expected)
        }
    }

    /// A chunk file far larger than its chunk can be (4× the decoded size + 64 KiB) is refused
    /// on its size, before it is read: a 4x4 uint8 chunk of 100 KB is damage, not data.
    @Test func aChunkFileLargerThanItsChunkCanBeIsRefused() throws {
        let (s, dir) = try store(zarrJSON: v3(shape: "[8, 8]", chunks: "[4, 4]"))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/c/0", withIntermediateDirectories: true)
        try Data(count: 100_000).write(to: URL(fileURLWithPath: dir + "/c/0/0"))
        try Data(repeating: 9, count: 16).write(to: URL(fileURLWithPath: dir + "/c/0/1"))
        let reader = try ZarrArrayReader(store: s, path: "")
        #expect(try reader.read([ZarrRange(lower: 0, upper: 4), ZarrRange(lower: 4, upper: 8)]) == [UInt8](repeating: 9, count: 16))
        #expect(reason { try reader.read([.all(8), .all(8)]) }.contains("c/0/0: more than 64 KB, too large for its chunk"))
    }

    @Test func fillValuesInEveryForm() throws {
        #expect(try ZarrFillValue.parse(.string("Infinity"), dtype: .float32) == .infinity)
        #expect(try ZarrFillValue.parse(.string("-Infinity"), dtype: .float64) == -.infinity)
        #expect(try ZarrFillValue.parse(.string("NaN"), dtype: .float64).isNaN)
        #expect(try ZarrFillValue.parse(.string("0x3fc00000"), dtype: .float32) == 1.5)
        #expect(try ZarrFillValue.parse(.string("0x3ff8000000000000"), dtype: .float64) == 1.5)
        #expect(try ZarrFillValue.parse(.null, dtype: .uint16) == 0)
        #expect(try ZarrFillValue.parse(.number(-7), dtype: .int8) == -7)
        #expect(reason { try ZarrFillValue.parse(.number(-1), dtype: .uint16) } == "fill value -1 does not fit uint16")
        #expect(reason { try ZarrFillValue.parse(.string("lots"), dtype: .float32) } == "fill value 'lots' is not understood for float32")
        #expect(ZarrFillValue.sample(-2, dtype: .int16) == [0xFE, 0xFF])
        #expect(ZarrFillValue.sample(1.5, dtype: .float32) == [0, 0, 0xC0, 0x3F])
    }

    @Test func keysCannotLeaveTheStore() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/inner", withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: URL(fileURLWithPath: dir + "/zarr.json"))
        let s = LocalZarrStore(folder: dir + "/inner")
        for key in ["../zarr.json", "a/../../zarr.json", "/etc/passwd", "a//b", "./zarr.json", ""] {
            #expect(reason { try s.get(key) as Any } == "key '\(key)' does not name a file inside the store", "\(key)")
        }
        #expect(reason { try ZarrArrayReader(store: s, path: "..") } == "key '../zarr.json' does not name a file inside the store")
        #expect(reason { try ZarrNode.open(store: s, path: "../") as Any }.contains("does not name a file inside the store"))
        #expect(try s.get("missing") == nil)
        #expect(try LocalZarrStore(folder: dir).get("inner") == nil) // a folder holds no value
    }

    /// The 64 MB metadata rule is checked on the file's size: a 768 MB zarr.json (sparse, so
    /// the test writes nothing) was read whole before it was refused.
    @Test func hugeMetadataIsRefusedUnread() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/0", withIntermediateDirectories: true)
        for name in ["0/zarr.json", "0/.zarray"] {
            let fd = open(dir + "/" + name, O_CREAT | O_WRONLY, 0o644)
            #expect(fd >= 0 && ftruncate(fd, 768 << 20) == 0)
            close(fd)
        }
        func peakKB() -> Int {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_maxrss
        }
        let before = peakKB()
        let s = LocalZarrStore(folder: dir)
        #expect(reason { try s.get("0/zarr.json") as Any } == "zarr.json is over 64 MB")
        #expect(reason { try s.get("0/.zarray") as Any } == ".zarray is over 64 MB")
        #expect(reason { try ZarrArrayReader(store: s, path: "0") }.contains("zarr.json is over 64 MB"))
        #expect(peakKB() - before < 256 << 10, "peak RSS grew by \((peakKB() - before) >> 10) MB")
        #expect(try s.get("0/zarr.json", range: 0..<4) == [0, 0, 0, 0]) // a range of it is still a range
    }
}

/// Damaged copies of stores zarr-python wrote.
@Suite(.enabled(if: ZarrTestStores.available, ZarrTestStores.skipReason))
struct ZarrDamagedStoreTests {
    private func reason(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return error is FormatError ? error.omioReason : "not a FormatError: \(error)"
        }
    }

    private let whole = [ZarrRange(lower: 0, upper: 3), ZarrRange(lower: 0, upper: 100), ZarrRange(lower: 0, upper: 130)]

    @Test func truncatedChunkNamesItsKey() throws {
        for (name, key, words) in [("v3_zstd.zarr", "c/0/1/2", "zstd data"), ("v2_blosc_lz4.zarr", "0.1.2", "blosc data is truncated"),
                                   ("v3_gzip.zarr", "c/2/0/0", "gzip data does not decode")] {
            let path = try ZarrTestStores.copy(name)
            defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
            let file = path + "/" + key
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: file))
            let r = reason { try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read(whole) }
            #expect(r.hasPrefix("chunk \(key): \(words)"), "\(name): \(r)")
        }
    }

    @Test func checksumMismatchIsNamed() throws {
        let path = try ZarrTestStores.copy("v3_zstd_crc.zarr")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let file = URL(fileURLWithPath: path + "/c/1/2/1")
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: file)
        let r = reason { try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read(whole) }
        #expect(r.hasPrefix("chunk c/1/2/1: crc32c checksum mismatch"), "\(r)")
    }

    /// The index of the first shard points its first inner chunk past the shard's end; the
    /// checksum is made right again so the index itself passes.
    @Test func shardIndexPastTheEnd() throws {
        for location in ["end", "start"] {
            let path = try ZarrTestStores.copy("v3_sharded_\(location).zarr")
            defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
            let file = URL(fileURLWithPath: path + "/c/0/0")
            var bytes = try [UInt8](Data(contentsOf: file))
            let indexSize = 8 * 16 + 4 // 4 x 2 inner chunks of 16 x 32 in a 64 x 64 shard
            let at = location == "end" ? bytes.count - indexSize : 0
            let offset = UInt64(bytes.count + 100)
            for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: offset >> (8 * UInt64(k))) }
            let crc = ZarrCRC32C.checksum(Array(bytes[at..<(at + indexSize - 4)]))
            for k in 0..<4 { bytes[at + indexSize - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
            try Data(bytes).write(to: file)
            let reader = try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "")
            let r = reason { try reader.read([.all(150), .all(170)]) }
            #expect(r.hasPrefix("c/0/0: bytes \(bytes.count + 100)..<") && r.hasSuffix("lie past its end (\(bytes.count) bytes): it is truncated"), "\(r)")
            // Without the checksum fix the index itself is refused.
            bytes[at + 1] ^= 1
            try Data(bytes).write(to: file)
            let r2 = reason { try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read([.all(150), .all(170)]) }
            #expect(r2.hasPrefix("c/0/0: shard index: crc32c checksum mismatch"), "\(r2)")
        }
    }

    @Test func truncatedShardIsNamed() throws {
        let path = try ZarrTestStores.copy("v3_sharded_end.zarr")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let file = URL(fileURLWithPath: path + "/c/0/0")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 300).write(to: file)
        let r = reason { try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read([.all(150), .all(170)]) }
        // The index at the end is now chunk data: its checksum does not match.
        #expect(r.hasPrefix("c/0/0: shard index: crc32c checksum mismatch"), "\(r)")
        try bytes.prefix(50).write(to: file)
        let r2 = reason { try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read([.all(150), .all(170)]) }
        #expect(r2.hasPrefix("c/0/0: shard index is 50 bytes where 132 were expected"), "\(r2)")
    }
}

/// Random byte flips in chunks, shards and their indexes: every read either returns samples or
/// throws a FormatError, never traps or reads past a buffer (c-blosc trusts its header's sizes;
/// the reader checks them first).
@Suite(.enabled(if: ZarrTestStores.available, ZarrTestStores.skipReason))
struct ZarrMutatedChunkTests {
    @Test func flippedBytesAreErrorsOrSamples() throws {
        var rng = SplitMix64(seed: 18)
        for (name, key) in [("v2_blosc_lz4.zarr", "1.1.1"), ("v2_blosc_zstd.zarr", "0.0.0"), ("v3_blosc.zarr", "c/1/1/1"),
                            ("v3_gzip.zarr", "c/0/1/1"), ("v3_zstd.zarr", "c/2/2/2"), ("v3_sharded_end.zarr", "c/0/0"),
                            ("v3_sharded_start.zarr", "c/1/1")] {
            let path = try ZarrTestStores.copy(name)
            defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
            let file = URL(fileURLWithPath: path + "/" + key)
            let original = try [UInt8](Data(contentsOf: file))
            let whole = try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").metadata.shape.map { ZarrRange.all($0) }
            var errors = 0
            for _ in 0..<100 {
                var bytes = original
                for _ in 0...(rng.next() % 4) {
                    // Headers and indexes are where lies hurt: half the flips land in the first
                    // or last 32 bytes.
                    let n = bytes.count
                    let at = rng.next() % 2 == 0 ? Int(rng.next() % UInt64(n)) : (rng.next() % 2 == 0 ? Int(rng.next() % 32) : n - 1 - Int(rng.next() % 32))
                    bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                if rng.next() % 8 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
                try Data(bytes).write(to: file)
                // A fresh reader: nothing cached from the last mutant.
                do { _ = try ZarrArrayReader(store: LocalZarrStore(folder: path), path: "").read(whole) } catch let e as FormatError {
                    errors += 1
                    #expect(e.reason.contains(key), "\(name): \(e.reason)")
                }
            }
            #expect(errors > 0, "\(name)")
        }
    }
}

