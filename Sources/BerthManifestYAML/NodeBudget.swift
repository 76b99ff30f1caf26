/// Bounds how large a manifest may grow through YAML aliases. An alias is a reference, so a few hundred bytes of
/// aliases of aliases (`b: [*a, *a, ...]`, "billion laughs") describe a tree of billions of nodes, and every pass
/// over it (Yams' duplicate-key check, interpolation, reading sections) would walk all of them: the loader would
/// hang. Real manifests have a few thousand nodes; the budget is checked on libyaml's events before anything is
/// composed (`positionBeyond`, in NodeBudget+Events.swift).
enum NodeBudget {
    static let maximumNodes = 100_000
}
