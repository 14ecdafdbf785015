// libFuzzer entry point of the `store` target; the harness is Tests/FaultTests/Harness/FuzzHarness.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(.store, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
