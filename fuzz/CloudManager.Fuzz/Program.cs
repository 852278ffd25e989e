using System.Globalization;
using SharpFuzz;

namespace CloudManager.Fuzz;

/// <summary>
/// The coverage-guided fuzzer's harness (run by <c>fuzz/run</c> under afl-fuzz, on copies of
/// CloudManager.dll and cm.dll instrumented by sharpfuzz).
/// <c>CloudManager.Fuzz TARGET</c> runs under afl-fuzz (input on standard input);
/// <c>CloudManager.Fuzz seed TARGET FOLDER</c> writes the starting corpus;
/// <c>CloudManager.Fuzz replay TARGET FILE...</c> runs inputs once each and says what became of them.
/// Targets: <c>sync-data</c>, <c>config</c>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        return args switch
        {
            [var target] => Fuzz(target),
            ["seed", var target, var folder] => WithTarget(target, t => Seed(t, folder)),
            ["replay", var target, .. var files] when files.Length > 0 => WithTarget(target, t => Replay(t, files)),
            _ => Usage(),
        };
    }

    private static int Fuzz(string name)
    {
        // The target is made in the process that runs the inputs (a child, for OutOfProcess), once.
        IFuzzTarget? target = null;
        Fuzzer.OutOfProcess.Run(input =>
        {
            target ??= Create(name) ?? throw new ArgumentException($"unknown target {name}");
            // The input stream cannot seek; the targets read it more than once.
            using var copy = new MemoryStream();
            input.CopyTo(copy);
            copy.Position = 0;
            target.Run(copy);
        });
        return 0;
    }

    private static int Seed(IFuzzTarget target, string folder)
    {
        Directory.CreateDirectory(folder);
        var count = 0;
        foreach (var (name, bytes) in target.Seeds())
        {
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
            count++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} seed(s) for {target.Name} in {folder}"));
        return 0;
    }

    private static int Replay(IFuzzTarget target, string[] files)
    {
        var failed = 0;
        foreach (var file in files)
        {
            using var input = new MemoryStream(File.ReadAllBytes(file));
            try
            {
                Console.WriteLine($"{file}: {OneLine(target.Run(input))}");
            }
#pragma warning disable CA1031 // Replaying a crash prints it, whatever it is, and goes on with the next file.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failed++;
                Console.WriteLine($"{file}: CRASH {e}");
            }
        }

        return failed == 0 ? 0 : 1;
    }

    private static int WithTarget(string name, Func<IFuzzTarget, int> action)
    {
        var target = Create(name);
        if (target is null)
        {
            return Usage();
        }

        try
        {
            return action(target);
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }

    private static IFuzzTarget? Create(string name) => name switch
    {
        "sync-data" => new SyncDataTarget(),
        "config" => new ConfigTarget(),
        _ => null,
    };

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: CloudManager.Fuzz TARGET | seed TARGET FOLDER | replay TARGET FILE...  (targets: sync-data, config)");
        return 2;
    }
}
