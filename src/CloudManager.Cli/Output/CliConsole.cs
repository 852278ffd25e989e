using System.Text.Json.Serialization.Metadata;
using Spectre.Console;

namespace CloudManager.Cli.Output;

/// <summary>
/// Where the tool writes: data (hashes, paths, tables, JSON) on stdout and nothing else there;
/// messages, warnings, errors and progress on stderr. <c>--quiet</c> silences messages and warnings,
/// never data or errors.
/// </summary>
internal sealed class CliConsole
{
    private readonly Lock _lock = new();
    private readonly List<string> _heldData = [];
    private IAnsiConsole? _live;

    public CliConsole(TextWriter output, TextWriter error, bool outputIsTerminal, bool errorIsTerminal, bool json, bool quiet, bool verbose)
    {
        Output = output;
        Error = error;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Json = json;
        Quiet = quiet;
        Verbose = verbose;
    }

    /// <summary>stdout, for commands that stream data themselves (dump, download to <c>-</c>).</summary>
    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public bool OutputIsTerminal { get; }

    /// <summary>Whether stderr is a terminal that understands escape sequences (not <c>TERM=dumb</c>).</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>Whether reports go to stdout as JSON with stable field names and exact bytes.</summary>
    public bool Json { get; }

    public bool Quiet { get; }

    public bool Verbose { get; }

    /// <summary>Progress bars only for a person watching stderr on a capable terminal, never in pipes, CI or with <c>--quiet</c>.</summary>
    public bool CanShowProgress => ErrorIsTerminal && !Quiet;

    public static CliConsole ForProcess(bool json, bool quiet, bool verbose)
    {
        var term = Environment.GetEnvironmentVariable("TERM");
        var capableTerminal = !Console.IsErrorRedirected && !string.IsNullOrEmpty(term) && term != "dumb";
        return new(Console.Out, Console.Error, !Console.IsOutputRedirected, capableTerminal, json, quiet, verbose);
    }

    /// <summary>One line of data on stdout. While a progress bar shares the terminal, it is held and written when the bar is done.</summary>
    public void WriteData(string line)
    {
        lock (_lock)
        {
            if (_live is not null && OutputIsTerminal)
            {
                _heldData.Add(line);
                return;
            }

            Output.WriteLine(line);
        }
    }

    /// <summary>A command's result: under <c>--json</c> serialised with <paramref name="json"/>, else written for people by <paramref name="writeText"/>.</summary>
    public void Print<T>(T result, JsonTypeInfo<T> json, Action<CliConsole, T> writeText)
    {
        if (Json)
        {
            JsonOutput.Write(this, result, json);
        }
        else
        {
            writeText(this, result);
        }
    }

    /// <summary>A message for the person at the terminal (stderr), unless <c>--quiet</c>.</summary>
    public void Info(string message)
    {
        if (!Quiet)
        {
            WriteError(message);
        }
    }

    /// <summary>A detail shown only with <c>--verbose</c>.</summary>
    public void Detail(string message)
    {
        if (Verbose && !Quiet)
        {
            WriteError(message);
        }
    }

    public void Warn(string message)
    {
        if (!Quiet)
        {
            WriteError("cm: warning: " + message);
        }
    }

    /// <summary>
    /// A warning that <c>--quiet</c> does not hide: one about the user's files (files moved aside, a
    /// catalog that may be the wrong one), which a script run with <c>--quiet</c> must not miss.
    /// </summary>
    public void WarnAlways(string message) => WriteError("cm: warning: " + message);

    /// <summary>An error: always shown, one line.</summary>
    public void Fail(string message) => WriteError("cm: " + OneLine(message));

    /// <summary>A message on stderr that nothing silences, not even <c>--quiet</c>: one without which the command is of no use.</summary>
    public void Essential(string message) => WriteError(message);

    /// <summary>Routes stderr lines through a live display so that they appear above it instead of breaking it.</summary>
    internal void BeginLive(IAnsiConsole live)
    {
        lock (_lock)
        {
            _live = live;
        }
    }

    internal void EndLive()
    {
        lock (_lock)
        {
            _live = null;
            foreach (var line in _heldData)
            {
                Output.WriteLine(line);
            }

            _heldData.Clear();
        }
    }

    private void WriteError(string text)
    {
        lock (_lock)
        {
            if (_live is not null)
            {
                _live.WriteLine(text);
            }
            else
            {
                Error.WriteLine(text);
            }
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
