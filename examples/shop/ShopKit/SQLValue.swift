/// A value bound to a statement or read from a row.
public enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case text(String)
    case blob([UInt8])
    case null

    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var string: String? {
        switch self {
        case .text(let text): text
        case .integer(let number): String(number)
        case .float(let number): String(number)
        case .blob, .null: nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// One row of a result: its values by column name (the names are the statement's, shared by all its rows).
public struct SQLRow: Sendable {
    let columns: [String]
    let values: [SQLValue]

    /// The value of column `name` (the first of that name), or nil when the result has no such column.
    public func column(_ name: String) -> SQLValue? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return values[index]
    }

    /// The integer in column `name`, or 0 when it is null.
    public func int(_ name: String) -> Int {
        Int(column(name)?.integer ?? 0)
    }

    public func string(_ name: String) -> String {
        column(name)?.string ?? ""
    }

    public func optionalString(_ name: String) -> String? {
        guard let value = column(name), !value.isNull else { return nil }
        return value.string
    }
}
