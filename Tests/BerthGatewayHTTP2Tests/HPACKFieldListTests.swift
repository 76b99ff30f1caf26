import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// What the decoder's field list makes of its fields: the same block, indexing included, whichever way it is made.
@Suite struct HPACKFieldListTests {
    static func fields(_ headers: HPACKHeaders) -> [String] {
        headers.map { "\($0.name): \($0.value) (\($0.indexable))" }
    }

    static func list(_ fields: [(String, String, HPACKIndexing)]) -> HPACKFieldList {
        var list = HPACKFieldList(capacity: 2)
        for (name, value, indexing) in fields {
            list.append(name: name, value: value, indexing: indexing, ascii: name.utf8.allSatisfy { $0 < 0x80 })
        }
        return list
    }

    static func added(_ fields: [(String, String, HPACKIndexing)]) -> HPACKHeaders {
        var headers = HPACKHeaders()
        for (name, value, indexing) in fields { headers.add(name: name, value: value, indexing: indexing) }
        return headers
    }

    @Test func everyFieldIndexableIsTheBlockAddWouldMake() {
        let fields: [(String, String, HPACKIndexing)] = [
            (":method", "GET", .indexable), (":path", "/", .indexable), (":authority", "example.com", .indexable),
            ("user-agent", String(repeating: "a", count: 40), .indexable),
        ]
        let list = Self.list(fields)
        #expect(list.count == 4)
        #expect(Self.fields(list.headers()) == Self.fields(Self.added(fields)))
    }

    /// The decoder reuses one list: emptied, it makes the next block as a new list would, without the last
    /// block's fields, indexing or non-ASCII name.
    @Test func anEmptiedListIsANewOne() {
        var list = Self.list([("authorization", "secret", .neverIndexed), ("naïve", "x", .indexable)])
        #expect(list.hasNonASCIIName)
        list.removeAll()
        #expect(list.count == 0)
        #expect(!list.hasNonASCIIName)
        let fields: [(String, String, HPACKIndexing)] = [(":status", "200", .indexable), ("server", "n", .indexable)]
        for (name, value, indexing) in fields { list.append(name: name, value: value, indexing: indexing, ascii: true) }
        #expect(Self.fields(list.headers()) == Self.fields(Self.list(fields).headers()))
        #expect(list.headers().map(\.indexable) == [.indexable, .indexable])
    }

    /// A field not indexed or never indexed keeps its indexing, wherever it is in the block (the fields before it
    /// were taken as indexable), and so do the ones after it.
    @Test func fieldsNotIndexableKeepTheirIndexing() {
        for position in 0..<4 {
            var fields: [(String, String, HPACKIndexing)] = [
                (":status", "200", .indexable), ("server", "nginx", .indexable), ("date", "today", .indexable),
            ]
            fields.insert(("authorization", "secret", .neverIndexed), at: position)
            fields.append(("x-request-id", "abc", .nonIndexable))
            fields.append(("etag", "\"1\"", .indexable))
            let headers = Self.list(fields).headers()
            #expect(Self.fields(headers) == Self.fields(Self.added(fields)))
            #expect(headers.map(\.indexable)[position] == .neverIndexed)
        }
    }

    /// A name that is not ASCII (`HPACKHeaders.add` traps on one) gives the block without its fields' indexing.
    @Test func aNameThatIsNotASCIIGivesTheFieldsWithoutIndexing() {
        let list = Self.list([
            ("a", "1", .neverIndexed), ("n\u{e9}", "2", .nonIndexable), ("b", "3", .indexable),
        ])
        #expect(list.hasNonASCIIName)
        let indexable = "\(HPACKIndexing.indexable)"
        #expect(
            Self.fields(list.headers()) == ["a: 1 (\(indexable))", "n\u{e9}: 2 (\(indexable))", "b: 3 (\(indexable))"])
    }

    @Test func anEmptyListIsAnEmptyBlock() {
        #expect(HPACKFieldList(capacity: 0).headers().isEmpty)
    }
}
