import Foundation
import LoadGenerator
import SeatlineTestSupport
import Testing

/// `seatline load --output DIR` makes DIR ready before the run, or refuses before any load.
@Suite struct ReportDirectoryTests {
    private func withScratchFolder(_ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(LocalStack.uniqueName("report")).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder)
    }

    @Test func createsTheFolderAndItsParentsAndLeavesNothingInIt() throws {
        try withScratchFolder { folder in
            let target = "\(folder)/runs/2026/flash"
            try ReportDirectory.prepare(target)
            #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
            try ReportDirectory.prepare(target)
        }
    }

    @Test func refusesAFolderUnderAFileAndAFileItself() throws {
        try withScratchFolder { folder in
            let file = "\(folder)/results.txt"
            #expect(FileManager.default.createFile(atPath: file, contents: Data()))
            #expect(throws: ReportDirectory.Unusable.self) { try ReportDirectory.prepare("\(file)/runs") }
            #expect(throws: ReportDirectory.Unusable.self) { try ReportDirectory.prepare(file) }
        }
    }

    /// The gateway here answers nothing: a run that started would fail on it, not on the folder.
    @Test func theCommandRefusesBeforeAnyLoad() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(LocalStack.uniqueName("report"))
        let file = folder.appendingPathExtension("txt").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let gateway = "http://127.0.0.1:\(try LocalStack.freePort())"
        let error = await #expect(throws: LocalStack.CommandFailed.self) {
            try await LocalStack.run(
                LocalStack.seatlineBinary,
                ["load", "--gateway", gateway, "--requests", "10", "--output", "\(file)/sub"])
        }
        #expect(
            error?.output.contains("cannot write the load report to \(file)/sub: \(file)/sub: Not a directory") == true)
    }
}
