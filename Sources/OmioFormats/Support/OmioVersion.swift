/// The one version string: `--version`, manifests, launchers, exported files' Creator.
public enum OmioVersion {
    public static let string = "0.1.0"
}
