import Foundation

/// `s3://bucket/key` as the HTTPS URL of the same object: `<endpoint>/bucket/key` (path-style,
/// which every S3-compatible store answers: AWS, MinIO, Ceph, EMBL's and EBI's). Anonymous and
/// read-only; credentials are out of scope.
public enum S3Location {
    public static let defaultEndpoint = "https://s3.amazonaws.com"

    /// `--endpoint` (commands export it as this variable), else `$OMIO_S3_ENDPOINT`, else AWS.
    public static func endpoint(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var e = environment["OMIO_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        while e.hasSuffix("/") { e.removeLast() }
        return e
    }

    /// What `--endpoint` gave: exported as `$OMIO_S3_ENDPOINT`, so the stores opened later and
    /// the processes started (napari's launcher) use it too.
    public static func use(endpoint: String?) {
        if let endpoint, !endpoint.isEmpty { setenv("OMIO_S3_ENDPOINT", endpoint, 1) }
    }

    /// `--endpoint`'s help, one text for every command that takes it.
    public static let endpointHelp = "S3 endpoint for s3://bucket/key locations (default: $OMIO_S3_ENDPOINT, else \(defaultEndpoint))."

    public static func isS3(_ location: String) -> Bool { location.lowercased().hasPrefix("s3://") }

    /// The HTTP(S) URL of an `s3://bucket/key` location.
    public static func httpURL(_ location: String, endpoint: String = endpoint()) throws -> String {
        let rest = location.dropFirst("s3://".count)
        guard !rest.hasPrefix("/"), let bucket = rest.split(separator: "/").first, !bucket.isEmpty else {
            throw OmioError(location, "an s3:// location names a bucket: s3://bucket/path")
        }
        guard endpoint.lowercased().hasPrefix("http://") || endpoint.lowercased().hasPrefix("https://") else {
            throw OmioError(location, "the S3 endpoint \(endpoint) is not an http(s) URL")
        }
        return endpoint + "/" + rest
    }
}
