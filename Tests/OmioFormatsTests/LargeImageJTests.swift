import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// ImageJ stacks over 4 GiB have a single IFD and planes back to back after it. The file is
/// written sparsely (only the header, IFD and last plane occupy disk), so the test is cheap.
struct LargeImageJTests {
    @Test func readsTheLastPlaneBeyondFourGiB() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/big.tif"
        let (w, h, planes) = (1024, 1024, 2100) // 2 MiB planes: 4.1 GiB of data
        let planeBytes = w * h * 2
        let dataStart = 4096

        // Header + one IFD (big-endian, as ImageJ writes by default).
        var ifdBytes: [UInt8] = []
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let description = Array("ImageJ=1.54f\nimages=\(planes)\nslices=\(planes)\nunit=micron\nspacing=2.0\nloop=false\n".utf8) + [0]
        let descOffset = 512
        let entries: [(Int, Int, Int, [UInt8])] = [ // tag, type, count, value (4 bytes)
            (256, 4, 1, be32(w)), (257, 4, 1, be32(h)), (258, 3, 1, be16(16) + [0, 0]), (259, 3, 1, be16(1) + [0, 0]),
            (262, 3, 1, be16(1) + [0, 0]), (270, 2, description.count, be32(descOffset)),
            (273, 4, 1, be32(dataStart)), (277, 3, 1, be16(1) + [0, 0]), (278, 4, 1, be32(h)),
            (279, 4, 1, be32(planeBytes)),
        ]
        ifdBytes += be16(entries.count)
        for (tag, type, count, value) in entries { ifdBytes += be16(tag) + be16(type) + be32(count) + value }
        ifdBytes += be32(0)
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        func put(_ bytes: [UInt8], at offset: Int) { _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } }
        put([0x4D, 0x4D, 0, 42] + be32(8), at: 0)
        put(ifdBytes, at: 8)
        put(description, at: descOffset)
        // The last plane: a ramp, big-endian.
        var last = [UInt8](repeating: 0, count: planeBytes)
        for i in 0..<(w * h) { let v = (i * 7 + 3) & 0xFFFF; last[2 * i] = UInt8(v >> 8); last[2 * i + 1] = UInt8(v & 0xFF) }
        let lastOffset = dataStart + (planes - 1) * planeBytes
        #expect(lastOffset > Int(UInt32.max))
        put(last, at: lastOffset)

        let source = try ImageOpener.open(path: path)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(z: planes, y: h, x: w))
        #expect(m.physicalSizeZ == 2)
        let got = try source.readPlane(plane: PlaneIndex(z: planes - 1))
        let values = got.doubles()
        #expect(values[0] == 3 && values[1] == 10 && values[w * h - 1] == Double(((w * h - 1) * 7 + 3) & 0xFFFF))
        // A plane in the hole reads as zeros (sparse), proving the offset arithmetic is per plane.
        #expect(try source.readPlane(plane: PlaneIndex(z: planes / 2)).doubles().allSatisfy { $0 == 0 })
    }
}
