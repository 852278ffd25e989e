using System.CommandLine;
using CloudManager.Cli.Output;

namespace CloudManager.Cli.Commands;

/// <summary><c>cm verify [--deep]</c>: checks that the hosts still hold every stored copy.</summary>
internal static class VerifyCommand
{
    public static CliCommand Create(GlobalOptions globals)
    {
        var deep = new Option<bool>("--deep") { Description = "Download and hash every copy instead of asking the host whether it is there." };
        var command = new CliCommand(
            "verify",
            "Check that the hosts still hold every stored copy (exists and size; with --deep, download and hash). Missing or damaged copies are marked, and the next `cm sync` copies those files again. Prints one line per file; exit 0 when every copy is good, 6 when copies were lost, 5 when a host could not be checked.",
            "cm verify",
            "cm verify --deep && cm sync")
        {
            deep,
        };
        CommandRunner.SetAction(command, globals, async (context, cancellationToken) =>
        {
            var console = context.Console;
            await using var pool = await context.OpenPoolAsync(cancellationToken);
            var report = await pool.VerifyAsync(context.Value(deep), progress: null, cancellationToken);
            if (console.Json)
            {
                JsonOutput.Write(console, json =>
                {
                    json.WriteStartObject();
                    json.WriteBoolean("deep", report.Deep);
                    json.WriteNumber("files", report.Files.Count);
                    json.WriteNumber("lost_copies", report.LostCopies);
                    json.WriteNumber("unchecked_copies", report.UncheckedCopies);
                    json.WriteNumber("files_below_minimum", report.FilesBelowMinimum);
                    json.WriteStartArray("details");
                    foreach (var file in report.Files)
                    {
                        json.WriteStartObject();
                        json.WriteString("hash", file.Hash.ToString());
                        json.WriteString("name", file.Name);
                        json.WriteNumber("size", file.Size);
                        json.WriteNumber("good_copies", file.GoodCopies);
                        json.WriteBoolean("safe", file.IsSafe);
                        json.WriteStartArray("copies");
                        foreach (var copy in file.Copies)
                        {
                            json.WriteStartObject();
                            json.WriteString("host", copy.HostName);
                            json.WriteString("result", Result(copy.Result));
                            json.WriteString("detail", copy.Detail);
                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                });
            }
            else
            {
                foreach (var file in report.Files)
                {
                    var problems = file.Copies.Where(c => c.Result != CopyCheck.Good).Select(c => $"{c.HostName}:{Result(c.Result)}");
                    console.WriteData($"{file.Hash}  {file.GoodCopies}/{file.Copies.Count} good  {(file.IsSafe ? "safe" : "AT RISK")}  {file.Name}  {string.Join(" ", problems)}".TrimEnd());
                }
            }

            console.Info(
                $"verify{(report.Deep ? " --deep" : "")}: {report.Files.Count} file(s), {report.LostCopies} cop(ies) lost or damaged, {report.UncheckedCopies} not checked (host unreachable), {report.FilesBelowMinimum} file(s) below {pool.Options.MinCopies} good copies.");
            if (report.LostCopies > 0 || report.FilesBelowMinimum > 0)
            {
                console.Fail("Copies were lost: run `cm sync` to copy those files again.");
                return ExitCodes.DataInvalid;
            }

            return report.UncheckedCopies > 0 ? ExitCodes.HostUnreachable : ExitCodes.Ok;
        });
        return command;
    }

    private static string Result(CopyCheck result) => result switch
    {
        CopyCheck.Good => "good",
        CopyCheck.Missing => "missing",
        CopyCheck.Damaged => "damaged",
        CopyCheck.Unreachable => "unreachable",
        _ => "not-configured",
    };
}
