/// Which client-sent `X-Request-Id` values the gateway keeps: short and plain (`[A-Za-z0-9._-]{1,128}`). The id is
/// written into the access log and every service's logs; anything else (spaces, quotes, `=`, control bytes, long
/// values) could forge log fields there, so the gateway generates its own id instead.
public enum RequestIDCheck {
    public static let maxLength = 128

    public static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
