/// The pieces of a plain command line that the quick argument paths (``VerifyArgumentScanner``,
/// ``RefreshArgumentScanner``) read the same way.
enum PlainArguments {
    /// `--name=value` as its name and value, `--name` as its name alone (dashes dropped).
    static func option(_ argument: String) -> (name: String, value: String?) {
        let name = argument.dropFirst(2)
        guard let equals = name.firstIndex(of: "=") else { return (String(name), nil) }
        return (String(name[..<equals]), String(name[name.index(after: equals)...]))
    }

    /// An option's value: the one after its `=`, else the next argument (taken, by moving
    /// `index` on). Nil when there is none, it is empty, or it looks like an option.
    static func value(_ inline: String?, in arguments: [String], at index: inout Int) -> String? {
        var value = inline
        if value == nil, index < arguments.count {
            value = arguments[index]
            index += 1
        }
        guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
        return value
    }
}
