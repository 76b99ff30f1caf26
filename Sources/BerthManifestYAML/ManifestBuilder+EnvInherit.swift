public import BerthManifest
import Yams

extension ManifestBuilder {
    /// `env_inherit: true | false | [NAME, PATTERN*, ...]`, at the top level or in a service.
    func envInheritance(_ node: Node) -> EnvInheritance? {
        switch node {
        case .scalar:
            switch node.text {
            case "true", "True", "TRUE": return .everything
            case "false", "False", "FALSE": return .standard
            default: break
            }
        case .sequence(let sequence):
            var patterns: [String] = []
            var valid = true
            for item in sequence {
                guard case .scalar = item, let text = item.text, EnvInheritance.isValidPattern(text) else {
                    context.error(
                        "'env_inherit' entries must be variable names or patterns like AWS_* "
                            + "(letters, digits, '_', '*' and '?'), got \(item.summary)", at: item)
                    valid = false
                    continue
                }
                patterns.append(text)
            }
            return valid ? .standardAnd(patterns) : nil
        case .mapping, .alias:
            break
        }
        context.error(
            "'env_inherit' must be true, false or a list of variable names and patterns "
                + "(e.g. [AWS_*, HTTP_PROXY]), got \(node.summary)", at: node)
        return nil
    }
}
