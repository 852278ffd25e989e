using Spectre.Console;

namespace CloudManager.Cli.Output;

/// <summary>
/// Spectre.Console progress bars on stderr for work that takes a while (large or many files), shown
/// only when stderr is a terminal; otherwise the work runs with a silent <see cref="IProgressLine"/>.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Work at least this large gets a bar.</summary>
    public const long LargeBytes = 64L << 20;

    /// <summary>At least this many files get a bar.</summary>
    public const int ManyFiles = 10;

    public static bool IsWorthShowing(int files, long bytes) => files >= ManyFiles || bytes >= LargeBytes;

    /// <summary>Runs <paramref name="work"/> with a bar when <paramref name="worthShowing"/> and stderr is a terminal.</summary>
    /// <param name="console">The console.</param>
    /// <param name="title">The text beside the bar.</param>
    /// <param name="total">The bar's full length.</param>
    /// <param name="inBytes">Whether the unit is bytes (shows sizes and speed) or files.</param>
    /// <param name="worthShowing">Whether the work is large enough for a bar.</param>
    /// <param name="work">The work.</param>
    public static async Task<T> RunAsync<T>(CliConsole console, string title, long total, bool inBytes, bool worthShowing, Func<IProgressLine, Task<T>> work)
    {
        if (!worthShowing || !console.CanShowProgress)
        {
            return await work(SilentLine.Instance);
        }

        // The console already knows stderr is a capable terminal; Spectre's own guess also looks at stdin and stdout, which may be pipes.
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Error),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        ProgressColumn[] columns = inBytes
            ?
            [
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn(),
            ]
            : [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()];
        console.BeginLive(ansi);
        try
        {
            return await ansi.Progress()
                .AutoClear(false)
                .Columns(columns)
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(title), autoStart: true, maxValue: Math.Max(1, total));
                    var result = await work(new SpectreLine(task));
                    task.Value = task.MaxValue;
                    return result;
                });
        }
        finally
        {
            console.EndLive();
        }
    }

    private sealed class SpectreLine(ProgressTask task) : IProgressLine
    {
        public void Set(long value) => task.Value = value;

        public void Advance(long amount) => task.Increment(amount);

        public void Describe(string text) => task.Description = Markup.Escape(text);

        public void Indeterminate(bool value) => task.IsIndeterminate = value;
    }

    private sealed class SilentLine : IProgressLine
    {
        public static SilentLine Instance { get; } = new();

        public void Set(long value)
        {
        }

        public void Advance(long amount)
        {
        }

        public void Describe(string text)
        {
        }

        public void Indeterminate(bool value)
        {
        }
    }
}
