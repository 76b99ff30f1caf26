import BerthHooks
public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `on_failure:` and `on_event:` of a service (or, with `service` nil, of the project): each a hook or a list.
    func hooks(_ reader: MappingReader, service: String?) -> [HookSpec] {
        var hooks: [HookSpec] = []
        if let node = reader["on_failure"] {
            hooks += hookList(node, key: "on_failure", events: HookEventKind.failures, service: service)
        }
        if let node = reader["on_event"],
            let entries = MappingReader.entries(
                of: node, key: "on_event",
                context: context)
        {
            for entry in entries {
                guard let kind = HookEventKind(rawValue: entry.key) else {
                    let names = HookEventKind.allCases.map(\.rawValue)
                    let hint = context.hint(for: entry.key, among: names)
                    context.error(
                        "unknown event '\(entry.key)' in 'on_event'; expected "
                            + names.joined(separator: ", ") + hint, at: entry.keyNode)
                    continue
                }
                hooks += hookList(entry.value, key: "on_event.\(entry.key)", events: [kind], service: service)
            }
        }
        return hooks
    }

    private func hookList(_ node: Node, key: String, events: Set<HookEventKind>, service: String?) -> [HookSpec] {
        if case .sequence(let items) = node {
            return items.compactMap { hook($0, key: key, events: events, service: service) }
        }
        return hook(node, key: key, events: events, service: service).map { [$0] } ?? []
    }

    /// `{ command: ... }` or `{ url: https://..., timeout: 5s, retries: 3 }`.
    private func hook(_ node: Node, key: String, events: Set<HookEventKind>, service: String?) -> HookSpec? {
        let owner = "'\(key)'" + (service.map { " of service '\($0)'" } ?? "")
        guard let reader = MappingReader(node, key: key, section: ManifestSchema.hook, owner: owner, context: context)
        else { return nil }
        let target: HookSpec.Target
        switch (reader["command"], reader.string("url")) {
        case (let commandNode?, nil):
            guard let words = command(commandNode, key: "command") else { return nil }
            target = .command(words)
        case (nil, let url?):
            guard context.visible(url, key: "url", at: reader["url"]) != nil else { return nil }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8,
                !url.contains(where: \.isWhitespace)
            else {
                context.error(
                    "'url' must be an http:// or https:// URL without spaces, got '\(url)'",
                    at: reader["url"])
                return nil
            }
            target = .webhook(url)
        case (_?, _?):
            context.error("a hook has either 'command' or 'url', not both", at: reader.keyNode("url"))
            return nil
        case (nil, nil):
            context.error("\(owner) needs 'command' (run a program) or 'url' (POST the event)", at: node)
            return nil
        }
        var spec = HookSpec(target: target, events: events, service: service)
        spec.timeout = reader.duration("timeout", positive: true) ?? spec.timeout
        spec.retries = reader.int("retries", minimum: 0) ?? spec.retries
        spec.restarts = reader.int("restarts", minimum: 1) ?? spec.restarts
        if reader["restarts"] != nil, !events.contains(.restarted) {
            context.warning(
                "'restarts' applies to the 'restarted' event only",
                at: context.location(reader["restarts"]))
        }
        return spec
    }
}
