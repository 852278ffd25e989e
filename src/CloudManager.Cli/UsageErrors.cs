using System.CommandLine;
using System.CommandLine.Parsing;

namespace CloudManager.Cli;

/// <summary>
/// Command lines that cannot run, told in one line with exit code 2: what was wrong, the nearest
/// command or option when a word looks like a typo, and the help to read (with the command's full path).
/// </summary>
internal static class UsageErrors
{
    /// <summary>The message for a command line the parser refused.</summary>
    public static string Describe(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        string error;
        if (parseResult.UnmatchedTokens.Count > 0)
        {
            var word = parseResult.UnmatchedTokens[0];
            error = word.StartsWith('-')
                ? $"unknown option '{word}' for `{PathOf(parseResult.CommandResult)}`.{Suggestion(word, OptionNames(parseResult.CommandResult), s => s)}"
                : command.Subcommands.Count > 0
                    ? $"unknown command '{word}'.{Suggestion(word, command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name)), s => $"`{PathOf(parseResult.CommandResult)} {s}`")}"
                    : $"unexpected argument '{word}'.";
        }
        else
        {
            error = parseResult.Errors.Count > 0 ? parseResult.Errors[0].Message : "invalid command line.";
        }

        return $"{error} See `{PathOf(parseResult.CommandResult)} --help`.";
    }

    /// <summary>
    /// A word given where a command takes paths or hashes that looks like an option (<c>--bogus</c>):
    /// the parser takes it as an argument; it is almost always a mistyped option. A word after <c>--</c>
    /// is an argument whatever it looks like.
    /// </summary>
    /// <returns>The message, or null when every argument is plain.</returns>
    public static string? FindOptionLikeArgument(ParseResult parseResult, IReadOnlyList<string> args)
    {
        var separator = args.ToList().IndexOf("--");
        var afterSeparator = separator < 0 ? [] : args.Skip(separator + 1).ToHashSet(StringComparer.Ordinal);
        var beforeSeparator = separator < 0 ? args.ToHashSet(StringComparer.Ordinal) : args.Take(separator).ToHashSet(StringComparer.Ordinal);
        var arguments = parseResult.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value);
        foreach (var value in arguments)
        {
            if (value.Length > 1 && value[0] == '-' && (beforeSeparator.Contains(value) || !afterSeparator.Contains(value)))
            {
                var path = PathOf(parseResult.CommandResult);
                var suggestion = Suggestion(value, OptionNames(parseResult.CommandResult), s => s);
                var otherwise = suggestion.Length > 0 ? suggestion : $" A name that starts with '-' is given as ./{value} or after `--`.";
                return $"unknown option '{value}' for `{path}`.{otherwise} See `{path} --help`.";
            }
        }

        return null;
    }

    /// <summary>The command as typed from the top: <c>cm hosts test</c>.</summary>
    public static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult { Command: var command })
            {
                names.Add(command is RootCommand ? "cm" : command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static IEnumerable<string> OptionNames(CommandResult result)
    {
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult { Command: var command })
            {
                foreach (var option in command.Options.Where(o => !o.Hidden && (ReferenceEquals(at, result) || o.Recursive || command is RootCommand)))
                {
                    yield return option.Name;
                    foreach (var alias in option.Aliases)
                    {
                        yield return alias;
                    }
                }
            }
        }
    }

    /// <summary>" Did you mean X?" for the nearest candidates (by edit distance), or nothing when none is near.</summary>
    private static string Suggestion(string word, IEnumerable<string> candidates, Func<string, string> show)
    {
        var bare = word.TrimStart('-');
        var scored = candidates.Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Distance(bare, c.TrimStart('-'))))
            .Where(c => c.Distance <= Math.Max(1, bare.Length / 3) || (bare.Length >= 3 && c.Name.TrimStart('-').StartsWith(bare, StringComparison.Ordinal)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(3).ToList();
        return scored.Count switch
        {
            0 => "",
            1 => $" Did you mean {show(scored[0].Name)}?",
            _ => $" Did you mean {string.Join(", ", scored.Take(scored.Count - 1).Select(c => show(c.Name)))} or {show(scored[^1].Name)}?",
        };
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) from one word to the other.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
