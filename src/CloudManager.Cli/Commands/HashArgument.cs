using System.CommandLine;

namespace CloudManager.Cli.Commands;

/// <summary>The <c>&lt;hash&gt;</c> argument: 64 hexadecimal digits, checked while parsing so a typo is a usage error (exit code 2).</summary>
internal static class HashArgument
{
    public static Argument<string> Create(string description = "The file's SHA-256: 64 hexadecimal digits, as `cm upload` printed it.")
    {
        var argument = new Argument<string>("hash") { Description = description };
        argument.Validators.Add(result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!ContentHash.TryParse(text, out _))
            {
                result.AddError($"'{(text.Length > 80 ? text[..77] + "..." : text)}' is not a file hash: expected 64 hexadecimal digits (a SHA-256).");
            }
        });
        return argument;
    }
}
