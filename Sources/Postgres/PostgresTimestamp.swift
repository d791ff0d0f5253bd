import Foundation

/// Formats and parses timestamps in the ISO text forms PostgreSQL reads and writes, in UTC, to the microsecond.
///
/// Hand-written rather than `ISO8601DateFormatter`, which stops at milliseconds and does not read `+00` offsets.
enum PostgresTimestamp {
    private static let microsecondsPerSecond: Int64 = 1_000_000
    private static let secondsPerDay: Int64 = 86_400
    /// 2001-01-01T00:00:00Z, where `Date` counts from, in seconds since 1970.
    private static let referenceDateSince1970: Int64 = 978_307_200

    /// `2026-11-22T00:22:56.123456Z`, rounded to the microsecond; `infinity` or `-infinity` when not finite.
    static func format(_ date: Date) -> String {
        // Date counts from 2001; converting that to 1970 in floating point would cost precision, so shift in integers.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let microseconds = (sinceReference * Double(microsecondsPerSecond)).rounded()
        guard microseconds.isFinite, abs(microseconds) < 9e18 else {
            return sinceReference < 0 ? "-infinity" : "infinity"
        }
        let total = Int64(microseconds) + referenceDateSince1970 * microsecondsPerSecond
        let (wholeSeconds, fraction) = floorDivision(total, microsecondsPerSecond)
        let (days, secondOfDay) = floorDivision(wholeSeconds, secondsPerDay)
        let (year, month, day) = civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }

    /// Reads `YYYY-MM-DD[( |T)HH:MM:SS[.ffffff][Z|±HH[:MM[:SS]]]][ BC]`, `infinity` or `-infinity`.
    ///
    /// A missing offset means UTC, which is what `timestamp` columns hold in this code base.
    static func parse(_ text: String) -> Date? {
        switch text {
        case "infinity": return Date(timeIntervalSince1970: .infinity)
        case "-infinity": return Date(timeIntervalSince1970: -.infinity)
        default: break
        }
        var scanner = TextCursor(bytes: Array(text.utf8))
        guard var year = scanner.number(minDigits: 1, maxDigits: 7), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var secondOfDay: Int64 = 0
        var fraction: Int64 = 0
        var offset: Int64 = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                let second = scanner.number(minDigits: 2, maxDigits: 2),
                hour <= 24, minute < 60, second <= 60
            else { return nil }
            secondOfDay = hour * 3600 + minute * 60 + second
            if scanner.skip(".") {
                let digits = scanner.digits()
                guard !digits.isEmpty else { return nil }
                // Keep microseconds, PostgreSQL's precision; further digits cannot come from the server.
                for position in 0..<6 {
                    fraction =
                        fraction * 10
                        + (position < digits.count ? Int64(digits[digits.startIndex + position] - 0x30) : 0)
                }
            }
            if scanner.skip("Z") {
                offset = 0
            } else if let sign: Int64 = scanner.skip("+") ? 1 : scanner.skip("-") ? -1 : nil {
                guard let hours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                var minutes: Int64 = 0
                var seconds: Int64 = 0
                _ = scanner.skip(":")
                if let value = scanner.number(minDigits: 2, maxDigits: 2) {
                    minutes = value
                    _ = scanner.skip(":")
                    seconds = scanner.number(minDigits: 2, maxDigits: 2) ?? 0
                }
                offset = sign * (hours * 3600 + minutes * 60 + seconds)
            }
        }
        if scanner.skip(" BC") { year = 1 - year }
        guard scanner.isAtEnd else { return nil }
        let seconds = days(fromYear: year, month: month, day: day) * secondsPerDay + secondOfDay - offset
        let sinceReference = Double(seconds - referenceDateSince1970) + Double(fraction) / Double(microsecondsPerSecond)
        return Date(timeIntervalSinceReferenceDate: sinceReference)
    }

    private struct TextCursor {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { index == bytes.count }

        mutating func skip(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let matches = literal.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
            if matches { index += count }
            return matches
        }

        mutating func digits() -> ArraySlice<UInt8> {
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            return bytes[start..<index]
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
            let start = index
            let digits = digits()
            guard (minDigits...maxDigits).contains(digits.count) else {
                index = start
                return nil
            }
            return digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value / divisor - (value % divisor < 0 ? 1 : 0)
        return (quotient, value - quotient * divisor)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    private static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivision(shiftedYear, 400).quotient
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
