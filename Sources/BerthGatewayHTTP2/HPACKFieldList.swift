import NIOHPACK

/// A header block's fields collected before they become `HPACKHeaders`, for the decoder: `HPACKHeaders.add` scans
/// every name for a byte that is not ASCII (a precondition, ~13 instructions a byte: 2.3k per request, ~4 % of the
/// gateway's instructions in bench/h2-profile.sh), which the decoder already knows for each name. NIOHPACK makes a
/// block from name and value pairs without that scan, but only with every field `.indexable`; so a block whose
/// fields all are (indexed fields and literals with incremental indexing: what h2load's, nghttp2's and grpc's
/// encoders send once their tables are warm) is made from the pairs, and one with a field not indexed or never
/// indexed through `add`, keeping each field's indexing. A name that is not ASCII would trap in `add`: a block with
/// one is made from the pairs, without its fields' indexing (`HTTP2HeaderCheck` refuses it before anything is
/// forwarded, RFC 9113 § 8.2.1).
struct HPACKFieldList {
    private var pairs: [(String, String)] = []
    /// Each field's indexing, kept from the first field that is not `.indexable` on (nil: all are).
    private var indexing: [HPACKIndexing]?
    /// A name that is not ASCII was appended.
    private(set) var hasNonASCIIName = false

    init(capacity: Int) {
        pairs.reserveCapacity(capacity)
    }

    var count: Int { pairs.count }

    /// Empties the list for the next block, keeping its storage (the decoder reuses one list: an array fewer to
    /// allocate and free per block).
    mutating func removeAll() {
        pairs.removeAll(keepingCapacity: true)
        indexing = nil
        hasNonASCIIName = false
    }

    /// Appends a field; `ascii` tells whether every byte of `name` is below 0x80 (the caller has looked).
    mutating func append(name: String, value: String, indexing: HPACKIndexing, ascii: Bool) {
        if indexing != .indexable, self.indexing == nil {
            self.indexing = Array(repeating: .indexable, count: pairs.count)
            self.indexing!.reserveCapacity(pairs.capacity)
        }
        self.indexing?.append(indexing)
        pairs.append((name, value))
        if !ascii { hasNonASCIIName = true }
    }

    /// The block as NIOHPACK's type: from the pairs when no field's indexing needs keeping (or a name is not
    /// ASCII), else field by field with their indexing.
    func headers() -> HPACKHeaders {
        guard let indexing, !hasNonASCIIName else { return HPACKHeaders(pairs) }
        var headers = HPACKHeaders()
        headers.reserveCapacity(pairs.count)
        for (field, indexing) in zip(pairs, indexing) {
            headers.add(name: field.0, value: field.1, indexing: indexing)
        }
        return headers
    }
}
