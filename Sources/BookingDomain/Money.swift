public import Foundation

/// An ISO 4217 currency and its minor unit: amounts are kept as whole numbers of minor units everywhere
/// (write DB, journal, read DB) and written as decimal strings only at the API's edge.
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    /// The three-letter code, e.g. `EUR`.
    public let code: String
    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD.
    public let minorDigits: Int

    /// The default currency of an event.
    public static let euro = Currency(code: "EUR", minorDigits: 2)

    /// The currency with this code, or nil for a code ISO 4217 does not list as a current currency.
    public init?(code: String) {
        guard Self.currentCodes.contains(code) else { return nil }
        self.code = code
        minorDigits = Self.exceptionalMinorDigits[code] ?? 2
    }

    private init(code: String, minorDigits: Int) {
        self.code = code
        self.minorDigits = minorDigits
    }

    public var description: String { code }

    /// `amount` minor units as a decimal string with exactly `minorDigits` decimals: `1250` EUR is `"12.50"`.
    public func format(_ amount: Int64) -> String {
        guard minorDigits > 0 else { return String(amount) }
        let scale = Self.powersOfTen[minorDigits]
        let magnitude = amount.magnitude
        let fraction = String(magnitude % UInt64(scale))
        let sign = amount < 0 ? "-" : ""
        return
            "\(sign)\(magnitude / UInt64(scale)).\(String(repeating: "0", count: minorDigits - fraction.count))\(fraction)"
    }

    /// The minor units of a non-negative decimal string such as `"12.5"` or `"12.50"`; nil for anything else,
    /// including more decimals than the currency has and amounts over a trillion units.
    public func parse(_ decimal: String) -> Int64? {
        let parts = decimal.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard (1...12).contains(whole.utf8.count), whole.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            fraction.utf8.count <= minorDigits, parts.count == 1 || !fraction.isEmpty,
            fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let units = Int64(whole), let cents = Int64(fraction.isEmpty ? "0" : fraction)
        else { return nil }
        let padding = Self.powersOfTen[minorDigits - fraction.utf8.count]
        return units * Self.powersOfTen[minorDigits] + cents * padding
    }

    private static let powersOfTen: [Int64] = [1, 10, 100, 1000, 10_000]

    /// ISO 4217 codes in current use, from the platform's ICU data.
    private static let currentCodes = Set(Locale.commonISOCurrencyCodes)

    /// The ISO 4217 minor units that are not 2. Written out because Foundation on Linux answers 2 for every
    /// code (its `NumberFormatter` gives JPY two decimals), and these have not changed in years.
    private static let exceptionalMinorDigits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
        "CLF": 4, "UYW": 4,
    ]
}
