extension HeadWriter {
    /// `X-Request-Id: <id>` (a client's id passes the same byte filter as any value the gateway writes).
    static func requestIDField(_ requestID: RequestID, into buffer: inout some HeadSink) {
        switch requestID {
        case .generated:
            buffer.appendHeadString("X-Request-Id: " as StaticString)
            requestID.withBytes { buffer.appendHeadBytes($0) }
            buffer.appendCRLF()
        case .text(let text):
            safeField("X-Request-Id", text, into: &buffer)
        }
    }
}
