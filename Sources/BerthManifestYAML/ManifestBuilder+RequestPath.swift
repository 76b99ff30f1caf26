import Yams

extension ManifestBuilder {
    /// A route's or an HTTP probe's path is compared with, or written into, a request line, which holds no control
    /// character and no space (audit12): before, `ready: { http: "/health check" }` passed `berth check` and every
    /// probe then failed (`invalid probe path`), and a route `/a b` could never match a request.
    func requestPath(_ path: String, key: String, at node: Node?) -> Bool {
        guard context.visible(path, key: key, at: node) != nil else { return false }
        guard !path.contains(" ") else {
            context.error(
                "'\(key)' must not contain spaces, which end a request's target; write them as %20", at: node)
            return false
        }
        return true
    }
}
