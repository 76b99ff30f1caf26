/// A secret crosses from `berth resolve` to berthd as its text (over a pipe between two processes of the same user):
/// the fingerprint is keyed per process, so it is computed again on decoding, never carried.
extension SecretValue {
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(revealed)
    }
}
