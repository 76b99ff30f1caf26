/// Finds the control characters that a manifest value naming a file, an account, an image, a URL, an HTTP path or a
/// token cannot sensibly hold (audit12). A NUL cuts the C string the system gets (`workdir: "/srv\0x"` would be
/// `/srv`, `user: "root\0x"` would be root); a CR or LF ends a line of the exported systemd unit, where the rest would
/// be read as a directive of its own; the others are YAML escapes written by mistake. Environment values and command
/// arguments may hold them (a shell script in `sh -c`), NUL aside (`EnvFile.nulMessage`).
public enum ControlCharacters {
    /// The first C0 control character (U+0000...U+001F, tab included) or DEL in `text` and its offset in
    /// characters, or nil when there is none.
    public static func first(in text: String) -> (character: Unicode.Scalar, offset: Int)? {
        for (offset, character) in text.enumerated() {
            for scalar in character.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
                return (scalar, offset)
            }
        }
        return nil
    }

    /// The diagnostic for `key`, e.g. `'workdir' must not contain control characters, got \x00 at character 5`,
    /// or nil when `text` holds none. The value itself is not quoted: it may be a token.
    public static func problem(in text: String, key: String) -> String? {
        guard let (character, offset) = first(in: text) else { return nil }
        let hex = String(character.value, radix: 16)
        let code = "\\x" + (hex.count < 2 ? "0" + hex : hex)
        return "'\(key)' must not contain control characters, got \(code) at character \(offset + 1)"
    }
}
