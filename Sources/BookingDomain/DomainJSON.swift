import Foundation

/// The one JSON form of the domain's wire and journal payloads: dates as epoch milliseconds, so
/// nothing is lost to formatting and decoding needs no date parser.
enum DomainJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()
}
