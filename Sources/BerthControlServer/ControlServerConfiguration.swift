/// Where and for whom the control API listens, and its request limits.
public struct ControlServerConfiguration: Sendable {
    public var socketPath: String
    /// The daemon's uid; root (0) is always allowed too.
    public var allowedUID: UInt32
    /// Larger request bodies are refused with 413.
    public var maxBodyBytes: Int
    /// Limit of a request head (request line and headers); larger heads are refused with 400.
    public var maxHeadBytes: Int
    /// Control connections open at once (followers of logs and events included); more are closed at accept.
    public var maxConnections: Int
    /// TEST ONLY: socket 0666 and directory 0755, so that the uid check alone can be tested.
    public var relaxedSocketPermissions: Bool

    public init(
        socketPath: String,
        allowedUID: UInt32,
        maxBodyBytes: Int = 1 << 20,
        maxHeadBytes: Int = 16 << 10,
        maxConnections: Int = 256,
        relaxedSocketPermissions: Bool = false
    ) {
        self.socketPath = socketPath
        self.allowedUID = allowedUID
        self.maxBodyBytes = maxBodyBytes
        self.maxHeadBytes = maxHeadBytes
        self.maxConnections = maxConnections
        self.relaxedSocketPermissions = relaxedSocketPermissions
    }
}
