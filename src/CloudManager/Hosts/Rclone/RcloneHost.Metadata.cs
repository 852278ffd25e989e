using System.Runtime.CompilerServices;
using System.Text.Json;
using CloudManager.Hosts.Processes;

namespace CloudManager.Hosts.Rclone;

// Metadata objects: REMOTE/cloud-manager-meta/NAME, sent with rcat to .incoming/ and moved over the old
// object with moveto, as content is.
public sealed partial class RcloneHost
{
    /// <inheritdoc />
    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureFolderAsync(ContentKeys.IncomingFolder, cancellationToken).ConfigureAwait(false);
        var incoming = $"{ContentKeys.IncomingFolder}/meta.{Guid.NewGuid():N}.partial";
        var placed = false;
        try
        {
            content.Position = 0;
            var size = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var copy = await ToolProcess.RunAsync(
                Name, _options.Executable, Arguments(["rcat", "--size", size, PathOf(incoming)]), Timeout.InfiniteTimeSpan, 1 << 20, cancellationToken, input: content)
                .ConfigureAwait(false);
            ThrowIfFailed(copy, $"write the metadata object {name}", null, notFoundMeansAbsent: false);
            var move = await RunAsync(["moveto", PathOf(incoming), PathOf(MetadataKey(name))], cancellationToken).ConfigureAwait(false);
            ThrowIfFailed(move, $"move the metadata object {name} into place", null, notFoundMeansAbsent: false);
            placed = true;
        }
        finally
        {
            if (!placed)
            {
                await DeleteQuietlyAsync(incoming).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MetadataNames.CheckPrefix(prefix, nameof(prefix));
        cancellationToken.ThrowIfCancellationRequested();
        var folder = prefix.Length == 0 ? MetadataNames.Folder : MetadataKey(prefix);
        var result = await RunAsync(["lsjson", "--recursive", "--files-only", PathOf(folder)], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode is ExitDirectoryNotFound)
        {
            yield break;
        }

        ThrowIfFailed(result, "list metadata objects", null, notFoundMeansAbsent: false);
        List<RcloneEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(result.Output, RcloneListJson.Default.ListRcloneEntry);
        }
        catch (JsonException e)
        {
            throw new HostOperationException(Name, $"Host '{Name}': rclone lsjson printed something that is not JSON: {e.Message}", isTransient: false, e);
        }

        var found = (entries ?? [])
            .Where(e => !e.IsDir)
            .Select(e => new MetadataEntry(prefix.Length == 0 ? e.Path : prefix + "/" + e.Path, e.Size))
            .Where(e => MetadataNames.IsValid(e.Name))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var entry in found)
        {
            yield return entry;
        }
    }

    /// <inheritdoc />
    public async Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        var tool = ToolProcess.Start(Name, _options.Executable, Arguments(["cat", PathOf(MetadataKey(name))]));
        try
        {
            var prefix = new byte[64 * 1024];
            int read;
            using (cancellationToken.Register(tool.Kill))
            {
                read = await tool.StandardOutput.ReadAsync(prefix, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (read == 0)
            {
                // Nothing came: an empty object, or none (rclone says which by its exit code).
                var exitCode = await tool.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                var error = await tool.GetStandardErrorAsync().ConfigureAwait(false);
                tool.Dispose();
                if (exitCode is ExitDirectoryNotFound or ExitFileNotFound)
                {
                    return null;
                }

                ThrowIfFailed(new ToolResult(exitCode, "", error, false), $"read the metadata object {name}", null, notFoundMeansAbsent: false);
                return new MemoryStream([], writable: false);
            }

            return new ToolOutputStream(tool, prefix, read, (exitCode, error) =>
                exitCode == 0 ? null : Classify(new ToolResult(exitCode, "", error, false), $"read the metadata object {name}", null, notFoundMeansAbsent: false));
        }
        catch
        {
            tool.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DeleteMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync(["deletefile", PathOf(MetadataKey(name))], cancellationToken).ConfigureAwait(false);
        // rclone deletefile says "is a directory or doesn't exist" with exit code 1 for an absent object:
        // look before calling it a failure.
        if (result.ExitCode is 0 or ExitDirectoryNotFound or ExitFileNotFound
            || (!result.TimedOut && await StatEntryAsync(MetadataKey(name), cancellationToken).ConfigureAwait(false) is null))
        {
            return;
        }

        ThrowIfFailed(result, $"delete the metadata object {name}", null, notFoundMeansAbsent: false);
    }

    private static string MetadataKey(string name) => $"{MetadataNames.Folder}/{name}";

    /// <summary>A whole lsjson listing, read without reflection.</summary>
    [System.Text.Json.Serialization.JsonSerializable(typeof(List<RcloneEntry>))]
    private sealed partial class RcloneListJson : System.Text.Json.Serialization.JsonSerializerContext;
}
