/// A JSON object written directly into a string: the order service's two documents of every order (the outbox
/// event and the answer to `POST /api/orders`), which went through Foundation's `JSONEncoder` (2-3 % of the order
/// process's CPU under load, `perf`: a container per level, boxed values, the keys sorted anew each time).
///
/// The output is what `JSONEncoder` with `.sortedKeys` writes (the tests compare them byte for byte), so the caller
/// adds the keys in sorted order; strings are escaped as it escapes them (`"`, `\`, `/` and control characters).
struct JSONText {
    private(set) var text = "{"

    /// A key whose value is already JSON (a nested object or array written with `JSONText`).
    mutating func raw(_ key: StaticString, _ json: String) {
        if text.utf8.count > 1 { text.append(",") }
        text.append("\"")
        text.append(key.description)
        text.append("\":")
        text.append(json)
    }

    mutating func string(_ key: StaticString, _ value: String) {
        raw(key, Self.quoted(value))
    }

    mutating func int(_ key: StaticString, _ value: Int) {
        raw(key, String(value))
    }

    /// The object, closed.
    var object: String { text + "}" }

    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String {
        // Most strings (SKUs, ids, statuses) need no escape: one pass to find out, no copy scalar by scalar.
        guard value.utf8.contains(where: Self.needsEscape) else { return "\"" + value + "\"" }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "/": out.append("\\/")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/")
    }

    /// A JSON array of `elements`, each already JSON.
    static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }
}

extension OrderRequest.Line {
    /// `{"quantity":N,"sku":"..."}`, as `JSONEncoder` with sorted keys writes it.
    var json: String {
        var object = JSONText()
        object.int("quantity", quantity)
        object.string("sku", sku)
        return object.object
    }
}
