import Foundation
import OmioFixtures

/// A scratch folder holding a copy of an example file as `name` (the test removes `dir`).
func scratchCopy(of example: String, as name: String = "a.tif") throws -> (dir: String, path: String) {
    let dir = TestPaths.tempDir()
    try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + example, toPath: dir + "/" + name)
    return (dir, dir + "/" + name)
}
