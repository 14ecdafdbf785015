/// Counts in words that agree in number: "1 entry", "2 entries", "0 files".
public enum EnglishCount {
    public static func of(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }
}
