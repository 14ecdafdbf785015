import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Foundation's errors reach the user as plain reasons, the same words as errno's.
struct SystemErrorReasonTests {
    @Test func cocoaAndPOSIXErrorsInWords() throws {
        #expect(SystemErrorReason.of(errno: EACCES) == "permission denied")
        #expect(SystemErrorReason.of(errno: ENOSPC) == "no space left on device")
        #expect(SystemErrorReason.of(errno: EROFS) == "read-only file system")
        #expect(SystemErrorReason.of(errno: EIO) == "input/output error")
        #expect(CocoaError(.fileWriteNoPermission).omioReason == "permission denied")
        #expect(CocoaError(.fileWriteOutOfSpace).omioReason == "no space left on device")
        #expect(CocoaError(.fileWriteVolumeReadOnly).omioReason == "read-only file system")
        #expect(CocoaError(.fileReadNoSuchFile).omioReason == "no such file or directory")
        #expect(POSIXError(.ENOSPC).omioReason == "no space left on device")
        // A real one from FileManager: the errno it carries.
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try FileManager.default.contentsOfDirectory(atPath: dir + "/missing")
            Issue.record("listing a missing folder succeeded")
        } catch {
            #expect(error.omioReason == "no such file or directory")
            #expect(!error.omioReason.contains("NSCocoaErrorDomain"))
        }
    }
}
