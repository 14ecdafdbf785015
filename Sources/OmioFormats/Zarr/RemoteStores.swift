import Foundation

/// Where a location that is not a path is read from: `http://`, `https://` and `s3://` name
/// remote Zarr hierarchies.
public enum RemoteStores {
    /// True for a location `open` reads over the network (by its scheme alone).
    public static func isRemote(_ location: String) -> Bool {
        let l = location.lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://") || l.hasPrefix("s3://")
    }

    /// The key store of a remote location; messages name the location as given.
    public static func open(_ location: String) throws -> ZarrKeyStore {
        let url = S3Location.isS3(location) ? try S3Location.httpURL(location) : location
        return try HTTPKeyStore(url: url, location: location)
    }
}
