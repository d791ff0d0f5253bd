import Foundation

/// A one-way network cut on loopback: iptables drops every TCP packet sent to one of the stack's ports, so nothing
/// reaches the process listening there (new connections and established ones alike), while everything it sends
/// still goes out. Only a port of the stack under test is ever cut, and `heal()` removes exactly the rule `cut`
/// added; both are synchronous so that a `defer` can heal a failing test.
public struct LoopbackCut: Sendable {
    static let iptables = "/usr/sbin/iptables"
    let rule: [String]

    /// Cuts what is sent to `port`.
    public static func cut(droppingWhatIsSentTo port: Int) throws -> LoopbackCut {
        let cut = LoopbackCut(rule: ["OUTPUT", "-o", "lo", "-p", "tcp", "--dport", "\(port)", "-j", "DROP"])
        try cut.iptables("-I")
        return cut
    }

    /// Removes the rule.
    public func heal() throws {
        try iptables("-D")
    }

    private func iptables(_ action: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.iptables) else {
            throw LocalStack.CommandFailed(command: "iptables", output: "Debian's iptables is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.iptables)
        process.arguments = [action] + rule
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LocalStack.CommandFailed(
                command: "iptables \(action) \(rule.joined(separator: " "))",
                output: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
    }
}
