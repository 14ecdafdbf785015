// libFuzzer entry point of the `display` target; the harness is Tests/FaultTests/Harness/FuzzHarness.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(.display, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
