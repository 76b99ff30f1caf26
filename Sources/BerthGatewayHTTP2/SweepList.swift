/// An object kept in a `SweepList`: the list stores the object's position in it, so that removing it finds its
/// place without a search or a hash.
protocol SweepListed: AnyObject {
    /// The object's position in the list that holds it; nil while in none.
    var sweepSlot: Int? { get set }
}

/// The objects a periodic sweep visits (HTTP/2 calls with a deadline), added and removed in constant time: every
/// call is added when its try starts and removed when it ends, and a `[ObjectIdentifier: Call]` for it hashed the
/// call twice and grew and emptied a hash table (~0.5k instructions per call in bench/h2-profile.sh). Removal moves
/// the last object into the freed position, so the order is not kept (a sweep visits every one anyway).
struct SweepList<Element: SweepListed> {
    private(set) var elements: [Element] = []

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }

    /// Adds `element` unless it is already in this list.
    mutating func add(_ element: Element) {
        if let slot = element.sweepSlot, slot < elements.count, elements[slot] === element { return }
        element.sweepSlot = elements.count
        elements.append(element)
    }

    /// Removes `element` if it is in this list.
    mutating func remove(_ element: Element) {
        guard let slot = element.sweepSlot, slot < elements.count, elements[slot] === element else { return }
        element.sweepSlot = nil
        let last = elements.removeLast()
        if slot < elements.count {
            elements[slot] = last
            last.sweepSlot = slot
        }
    }
}
