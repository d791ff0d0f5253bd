import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The folder `seatline load` writes its report into, made ready before any load: a folder that cannot take the
/// report would otherwise fail only after the whole run, and the run's results would be lost with it.
public enum ReportDirectory {
    /// Creates `path` and its missing parents, then writes and removes a probe file in it. Throws `Unusable`
    /// naming the folder that failed and the system's reason (POSIX calls, whose reasons are clearer than
    /// Foundation's error 512 on Linux).
    public static func prepare(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Unusable(path: path, reason: "\(prefix): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Unusable(path: path, reason: "not a folder")
        }
        let probe = "\(path)/.seatline-load-probe-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw Unusable(path: path, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        unlink(probe)
    }

    /// A folder the report cannot be written into.
    public struct Unusable: Error, CustomStringConvertible {
        /// The folder asked for.
        public let path: String
        /// Why it cannot be used.
        public let reason: String

        /// Both, as `seatline load` prints them.
        public var description: String { "cannot write the load report to \(path): \(reason)" }
    }
}
