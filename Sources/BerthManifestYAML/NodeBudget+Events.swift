import CYaml

extension NodeBudget {
    /// Where (1-based line and column) the document's tree, with every alias expanded, grows past `limit` nodes;
    /// nil if it stays within it or if libyaml stops at a syntax error (composing reports that error).
    ///
    /// It reads libyaml's events, not a tree: Yams hashes every mapping key to find duplicates while it composes,
    /// and a key that is an alias of aliases (`? *a9`, 500 bytes) hashes 10^10 nodes, so the budget must be spent
    /// before Yams composes anything (found by manifest-fuzz: one such input held the loader for minutes). Each
    /// anchor's expanded size is remembered, so this is one pass over the events whatever the aliases describe.
    static func positionBeyond(_ limit: Int = maximumNodes, in yaml: String) -> ExpandedSize.Position? {
        var text = Array(yaml.utf8)
        return text.withUnsafeMutableBufferPointer { bytes in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            var counter = ExpandedSize(limit: limit)
            while counter.beyond == nil {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let at = ExpandedSize.Position(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    counter.scalar(anchor: name(event.data.scalar.anchor), at: at)
                case YAML_ALIAS_EVENT:
                    counter.alias(name(event.data.alias.anchor), at: at)
                case YAML_SEQUENCE_START_EVENT:
                    counter.open(anchor: name(event.data.sequence_start.anchor), at: at)
                case YAML_MAPPING_START_EVENT:
                    counter.open(anchor: name(event.data.mapping_start.anchor), at: at)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    counter.close()
                default:
                    continue
                }
            }
            return counter.beyond
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

/// The node count of a YAML event stream with aliases expanded, as a composed tree has them (a collection, each of
/// its keys and each value one node each, an alias as many as its anchor's node), counted as the events come: the
/// first node past the limit is where the manifest is too large. Sizes saturate just past the limit, so no count
/// overflows.
struct ExpandedSize {
    struct Position: Equatable {
        var line: Int
        var column: Int
    }

    let limit: Int
    /// The nodes read so far, with aliases expanded.
    private(set) var total = 0
    /// Where the node that took `total` past `limit` is: the alias, scalar or collection start.
    private(set) var beyond: Position?
    /// The anchors defined so far and the expanded size of their nodes; a later definition replaces an earlier one,
    /// as in Yams.
    private var anchors: [String: Int] = [:]
    /// The collections being read: their anchor and `total` before them. A collection's size is what `total`
    /// grew by between its start and its end, known at its end (counting stops once past the limit, so saturation
    /// never spoils it).
    private var open: [(anchor: String?, totalBefore: Int)] = []

    init(limit: Int) {
        self.limit = limit
    }

    mutating func scalar(anchor: String?, at: Position) {
        if let anchor { anchors[anchor] = 1 }
        add(1, at: at)
    }

    /// An alias of an anchor not (yet) defined counts one node: composing reports it.
    mutating func alias(_ anchor: String?, at: Position) {
        add(anchor.flatMap { anchors[$0] } ?? 1, at: at)
    }

    mutating func open(anchor: String?, at: Position) {
        open.append((anchor, total))
        add(1, at: at)
    }

    mutating func close() {
        guard let collection = open.popLast(), let anchor = collection.anchor else { return }
        anchors[anchor] = total - collection.totalBefore
    }

    private mutating func add(_ size: Int, at: Position) {
        total = min(total + size, limit + 1)
        if total > limit, beyond == nil { beyond = at }
    }
}
