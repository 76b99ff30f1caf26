import ArgumentParser

/// `berth -f FILE COMMAND ...`: the project options written before the command, as `docker compose -f` is used.
///
/// ArgumentParser reads a command's options after its name only, so the options found before the command are moved
/// behind the command's name (`berth -f x logs -f` becomes `berth logs --file x -f`), spelled in their long form:
/// after `logs`, `-f` means `--follow`, and the long form is what every command knows.
enum GlobalArguments {
    /// Why the options before the command cannot be moved.
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// The command line with the leading project options moved behind the command (and its subcommand).
    static func hoist(_ arguments: [String]) throws(Failure) -> [String] {
        var hoisted: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if let (name, value) = inlineValue(argument) {
                hoisted += ["--" + name, value]
                index += 1
            } else if let name = longName(argument) {
                guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") else {
                    throw Failure(description: "\(argument) needs a value: \(argument) \(valueName(name)) COMMAND")
                }
                hoisted += ["--" + name, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !hoisted.isEmpty else { return arguments }
        guard index < arguments.count, !arguments[index].hasPrefix("-") else {
            throw Failure(description: "a command must follow \(hoisted.joined(separator: " ")) (see berth --help)")
        }
        // The command's name, then a subcommand's (`export kubernetes`) when the command has subcommands.
        var end = index + 1
        let command = BerthCommand.configuration.subcommands.first {
            $0._commandName == arguments[index]
        }
        if let command, end < arguments.count,
            command.configuration.subcommands.contains(where: { $0._commandName == arguments[end] })
        {
            end += 1
        }
        return Array(arguments[index..<end]) + hoisted + Array(arguments[end...])
    }

    /// `--file`/`-f` and `--socket` as `file` or `socket`.
    private static func longName(_ argument: String) -> String? {
        switch argument {
        case "-f", "--file": "file"
        case "--socket": "socket"
        default: nil
        }
    }

    /// `--file=PATH` and `--socket=PATH`.
    private static func inlineValue(_ argument: String) -> (String, String)? {
        for name in ["file", "socket"] where argument.hasPrefix("--\(name)=") {
            return (name, String(argument.dropFirst(name.count + 3)))
        }
        return nil
    }

    private static func valueName(_ name: String) -> String {
        name == "file" ? "FILE" : "PATH"
    }
}
