#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Finds a key named twice in one JSON object. `JSONDecoder` keeps one of them silently
/// (`{"services":{"web":1,"web":2}}` scaled `web` to 1), so a request could mean two things; the control API refuses
/// it instead. Runs on bodies `JSONDecoder` has already accepted, so it only needs to tell keys from values.
enum JSONDuplicateKeys {
    /// The dotted path of the first key named twice in the same object (`services.web`), or nil.
    static func first(in body: [UInt8]) -> String? {
        var stack: [Frame] = []
        var index = 0
        while index < body.count {
            let byte = body[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let path = stack.last?.childPath ?? ""
                stack.append(Frame(path: path, isObject: byte == UInt8(ascii: "{")))
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                index += 1
            case UInt8(ascii: ","):
                if let last = stack.indices.last, stack[last].isObject { stack[last].expectsKey = true }
                index += 1
            case UInt8(ascii: "\""):
                let end = endOfString(body, from: index)
                if let last = stack.indices.last, stack[last].isObject, stack[last].expectsKey {
                    let key = decodedKey(Array(body[index..<end]))
                    stack[last].expectsKey = false
                    stack[last].lastKey = key
                    if !stack[last].keys.insert(key).inserted { return stack[last].childPath }
                }
                index = end
            default:
                index += 1
            }
        }
        return nil
    }

    /// One open object or array and, for an object, the keys seen so far.
    private struct Frame {
        var path: String
        var isObject: Bool
        var expectsKey = true
        var keys: Set<String> = []
        var lastKey = ""

        init(path: String, isObject: Bool) {
            self.path = path
            self.isObject = isObject
        }

        /// The path of the value after the last key (arrays: their own path followed by `[]`).
        var childPath: String {
            guard isObject else { return path + "[]" }
            return path.isEmpty ? lastKey : "\(path).\(lastKey)"
        }
    }

    /// The index just past the closing quote of the string that opens at `start`.
    private static func endOfString(_ body: [UInt8], from start: Int) -> Int {
        var index = start + 1
        while index < body.count {
            switch body[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return body.count
    }

    /// A key as the decoder sees it, so that `"web"` and `"w\u0065b"` are the same key.
    private static func decodedKey(_ quoted: [UInt8]) -> String {
        guard quoted.contains(UInt8(ascii: "\\")) else {
            return String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
        }
        return (try? JSONDecoder().decode(String.self, from: Data(quoted)))
            ?? String(decoding: quoted, as: UTF8.self)
    }
}
