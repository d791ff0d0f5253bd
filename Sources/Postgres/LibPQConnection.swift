import CLibPQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection and the blocking calls made on it.
///
/// `@unchecked Sendable`: the `PGconn` is confined. Every method blocks and is called only from the owner's serial
/// queue (`PostgresConnection`) or thread (`PostgresListener`), never from two threads at once.
final class LibPQConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let noticeLogger: Unmanaged<NoticeLogger>
    private let logger: Logger
    /// Whether the session was last seen inside a transaction block; kept when the connection breaks, so the loss
    /// of the transaction is reported instead of hidden by a reconnect.
    private var transactionOpen = false
    /// Statements prepared in this session, by SQL text. Parsing and planning took about a fifth of the server's
    /// time per batch when every call sent its text again; a reset session starts without them.
    private var preparedStatements: [String: String] = [:]
    /// Beyond this many distinct texts (none of Seatline's are built per call) statements run unprepared.
    private static let preparedStatementLimit = 256

    /// The PG_DIAG_* field codes; Swift does not import their character-literal macros.
    private enum DiagnosticField {
        static let severity = Int32(UInt8(ascii: "V"))
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let primaryMessage = Int32(UInt8(ascii: "M"))
    }

    private final class NoticeLogger: Sendable {
        let logger: Logger

        init(logger: Logger) {
            self.logger = logger
        }
    }

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        self.logger = logger
        // Retained here, released in deinit after PQfinish, the last call that can reach the receiver.
        noticeLogger = Unmanaged.passRetained(NoticeLogger(logger: logger))
        PQsetNoticeReceiver(
            handle,
            { argument, result in
                guard let argument, let result else { return }
                let logger = Unmanaged<NoticeLogger>.fromOpaque(argument).takeUnretainedValue().logger
                let severity = LibPQConnection.field(result, DiagnosticField.severity) ?? "NOTICE"
                let message = LibPQConnection.field(result, DiagnosticField.primaryMessage) ?? ""
                let metadata: Logger.Metadata = [
                    "postgres.sqlstate": "\(LibPQConnection.field(result, DiagnosticField.sqlState) ?? "")"
                ]
                logger.log(
                    level: severity == "WARNING" ? .warning : .debug, "postgres \(severity): \(message)",
                    metadata: metadata)
            }, noticeLogger.toOpaque())
    }

    deinit {
        if let handle { PQfinish(handle) }
        noticeLogger.release()
    }

    /// Connects (blocking) and prepares the session; throws `connectionFailed`.
    static func open(configuration: PostgresConfiguration, logger: Logger) throws(PostgresError) -> LibPQConnection {
        // Keywords are processed in order and later ones win: the URL may override connect_timeout, while the
        // application name and UTF-8 (Swift strings) are ours.
        let parameters = [
            ("connect_timeout", "10"), ("dbname", configuration.url),
            ("application_name", configuration.applicationName), ("client_encoding", "UTF8"),
        ]
        // strdup'd copies, freed by the defer: libpq copies what it keeps before PQconnectdbParams returns.
        let keywords: [UnsafePointer<CChar>?] = parameters.map { UnsafePointer(strdup($0.0)) } + [nil]
        let values: [UnsafePointer<CChar>?] = parameters.map { UnsafePointer(strdup($0.1)) } + [nil]
        defer {
            for pointer in keywords + values { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        guard let handle = PQconnectdbParams(keywords, values, 1) else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: message, statementNotExecuted: true)
        }
        let connection = LibPQConnection(handle: handle, logger: logger)
        try connection.prepareSession()
        return connection
    }

    /// Runs one statement with text-format parameters, prepared on first use (PQsendPrepare, then
    /// PQsendQueryPrepared), after making sure the connection is usable.
    func execute(_ query: PostgresQuery) throws(PostgresError) -> PostgresResult {
        let handle = try usableHandle()
        for (index, binding) in query.bindings.enumerated() where binding?.utf8.contains(0) == true {
            throw PostgresError(code: .invalidParameter, message: "parameter $\(index + 1) contains a NUL character")
        }
        // strdup'd copies, freed by the defer once PQsendQueryParams has copied them into its output buffer.
        let values: [UnsafePointer<CChar>?] = query.bindings.map { $0.flatMap { UnsafePointer(strdup($0)) } }
        defer {
            for pointer in values { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        let sent: Bool
        if let name = try preparedStatement(query.sql, parameterCount: Int32(values.count), on: handle) {
            sent = PQsendQueryPrepared(handle, name, Int32(values.count), values, nil, nil, 0) == 1
        } else {
            sent = PQsendQueryParams(handle, query.sql, Int32(values.count), nil, values, nil, nil, 0) == 1
        }
        return try finish(handle, sent: sent)
    }

    /// The name `sql` is prepared under in this session, preparing it now if needed; nil once the session holds
    /// `preparedStatementLimit` statements. A statement the server refuses throws here, as running it would.
    private func preparedStatement(
        _ sql: String, parameterCount: Int32, on handle: OpaquePointer
    ) throws(PostgresError) -> String? {
        if let name = preparedStatements[sql] { return name }
        guard preparedStatements.count < Self.preparedStatementLimit else { return nil }
        let name = "seatline_\(preparedStatements.count)"
        _ = try finish(handle, sent: PQsendPrepare(handle, name, sql, parameterCount, nil) == 1)
        preparedStatements[sql] = name
        return name
    }

    /// Runs a constant script of one or more statements without parameters (PQsendQuery, as PQexec does).
    func execute(script: String) throws(PostgresError) -> PostgresResult {
        try run(script: script, on: try usableHandle())
    }

    /// Rolls back a transaction block the session was left in, so the connection is clean for its next user.
    func rollBackOpenTransaction() {
        guard transactionOpen else { return }
        transactionOpen = false
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        PQclear(PQexec(handle, "ROLLBACK"))
        logger.debug("rolled back a transaction left open on a pooled connection")
    }

    /// Starts listening on `channel`, quoted as an identifier.
    func listen(channel: String) throws(PostgresError) {
        let handle = try usableHandle()
        // Allocated by libpq, freed by the defer with PQfreemem.
        guard let quoted = PQescapeIdentifier(handle, channel, channel.utf8.count) else {
            throw PostgresError(code: .queryFailed, message: Self.errorMessage(handle))
        }
        defer { PQfreemem(quoted) }
        _ = try execute(script: "LISTEN " + String(cString: quoted))
    }

    /// Waits up to `timeout` milliseconds for the socket, then returns the notifications received so far.
    func waitForNotifications(timeout: Int32) -> Result<[PostgresNotification], PostgresError> {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return .failure(lostError()) }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeout)
        if ready < 0 && errno != EINTR { return .failure(lostError()) }
        if ready > 0 && PQconsumeInput(handle) == 0 { return .failure(lostError()) }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return .success(notifications)
    }

    /// Finishes the connection now rather than when the last reference goes.
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// The handle, after noticing a connection the server closed while it was idle (restart, idle timeout) and
    /// reconnecting it, unless that loses an open transaction: then `connectionLost` is thrown once.
    private func usableHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(
                code: .connectionFailed, message: "the connection is closed", statementNotExecuted: true)
        }
        // A closed connection shows the server's last message (57P01 on shutdown) and then end-of-file, which one
        // read may not reach: read until nothing is pending, within a bound in case notifications keep arriving.
        var reads = 0
        while reads < 16 && PQstatus(handle) == CONNECTION_OK && hasPendingInput(handle) {
            _ = PQconsumeInput(handle)
            reads += 1
        }
        // Notifications of a LISTEN someone issued on a pooled connection would otherwise pile up unread.
        while let notify = PQnotifies(handle) { PQfreemem(notify) }
        if PQstatus(handle) == CONNECTION_OK { return handle }
        if transactionOpen {
            transactionOpen = false
            throw PostgresError(
                code: .connectionLost, message: "the connection was lost inside a transaction",
                statementNotExecuted: true)
        }
        logger.info("reconnecting a broken PostgreSQL connection")
        preparedStatements = [:]
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionFailed, message: Self.errorMessage(handle), statementNotExecuted: true)
        }
        try prepareSession()
        return handle
    }

    /// Timestamps must come back as `2026-11-22 00:22:56.123456+00` for `PostgresTimestamp` to read them.
    private func prepareSession() throws(PostgresError) {
        guard let handle else { return }
        _ = try run(script: "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'", on: handle)
    }

    private func hasPendingInput(_ handle: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    private func run(script: String, on handle: OpaquePointer) throws(PostgresError) -> PostgresResult {
        try finish(handle, sent: PQsendQuery(handle, script) == 1)
    }

    /// Collects the results of a sent statement and turns them into a `PostgresResult` or a `PostgresError`.
    ///
    /// Unlike PQexec, which keeps the last result, the first error is kept: when the server ends a connection it
    /// sends its reason (57P01 on shutdown) before libpq notices the closed socket and adds an error of its own.
    private func finish(_ handle: OpaquePointer, sent: Bool) throws(PostgresError) -> PostgresResult {
        var kept: OpaquePointer?
        defer { PQclear(kept) }
        if sent {
            while let result = PQgetResult(handle) {
                let status = PQresultStatus(result)
                if let kept, PQresultStatus(kept) == PGRES_FATAL_ERROR {
                    PQclear(result)
                } else {
                    PQclear(kept)
                    kept = result
                }
                // In COPY state PQgetResult returns the COPY result again and again instead of NULL.
                if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH { break }
            }
        }
        let broken = PQstatus(handle) != CONNECTION_OK
        if !broken {
            let status = PQtransactionStatus(handle)
            transactionOpen = status == PQTRANS_INTRANS || status == PQTRANS_INERROR
        }
        guard let result = kept else {
            throw PostgresError(
                code: broken ? .connectionLost : .queryFailed, message: Self.errorMessage(handle),
                statementNotExecuted: !sent)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.makeResult(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy()
            throw PostgresError(code: .queryFailed, message: "COPY is not supported")
        default:
            let sqlState = Self.field(result, DiagnosticField.sqlState)
            let message =
                Self.field(result, DiagnosticField.primaryMessage) ?? Self.oneLine(PQresultErrorMessage(result))
            guard broken else { throw PostgresError(code: .queryFailed, sqlState: sqlState, message: message) }
            // An error the server sent (it has a SQLSTATE) means the statement failed there; a connection that
            // simply went away leaves open whether it ran.
            throw PostgresError(
                code: .connectionLost, sqlState: sqlState, message: message, statementNotExecuted: sqlState != nil)
        }
    }

    /// Ends a COPY the caller started by mistake, so the connection can take the next statement.
    private func abandonCopy() {
        guard let handle else { return }
        _ = PQputCopyEnd(handle, "COPY is not supported by this client")
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
        }
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    private static func makeResult(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = PostgresColumns(names: (0..<columnCount).map { String(cString: PQfname(result, $0)) })
        var values: [String?] = []
        values.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(
                        start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        return PostgresResult(
            columns: columns, values: values, rowsAffected: Int(String(cString: PQcmdTuples(result))) ?? 0,
            commandTag: String(cString: PQcmdStatus(result)))
    }

    private func lostError() -> PostgresError {
        PostgresError(code: .connectionLost, message: handle.map(Self.errorMessage) ?? "the connection is closed")
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        PQresultErrorField(result, code).map { String(cString: $0) }
    }

    private static func errorMessage(_ handle: OpaquePointer) -> String {
        oneLine(PQerrorMessage(handle))
    }

    /// libpq's multi-line messages as one line.
    private static func oneLine(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).split(whereSeparator: \.isNewline)
            .map { $0.trimmingPrefix(while: \.isWhitespace) }.joined(separator: " ")
    }
}
