/// The rule for environment variable names: `[A-Za-z_][A-Za-z0-9_]*`.
public enum EnvironmentName {
    public static func isValid(_ name: some StringProtocol) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
