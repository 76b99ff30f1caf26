import Glibc

/// A NULL-terminated `char *[]` (argv, envp) that owns its strings until deinit.
final class CStringArray {
    private let storage: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        storage = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() {
            storage[index] = strdup(string)
        }
        storage[count] = nil
    }

    var pointer: UnsafePointer<UnsafeMutablePointer<CChar>?> { UnsafePointer(storage) }

    deinit {
        for index in 0..<count {
            free(storage[index])
        }
        storage.deallocate()
    }
}
