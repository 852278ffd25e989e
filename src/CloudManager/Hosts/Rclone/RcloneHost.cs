using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudManager.Hosts.Processes;

namespace CloudManager.Hosts.Rclone;

/// <summary>
/// Keeps copies on any rclone remote (dozens of providers) by running the <c>rclone</c> binary.
/// </summary>
/// <remarks>
/// <para>Configuration:</para>
/// <code>
/// { "name": "r2", "kind": "rclone", "settings": { "remote": "r2:pool", "configPath": "/etc/pool/rclone.conf" } }
/// </code>
/// <para>Layout: <c>REMOTE/ab/abcdef…</c>. An upload is streamed to <c>REMOTE/.incoming/…partial</c>
/// with <c>rclone rcat --size N</c> reading its standard input, fed from the verified
/// <see cref="UploadSource"/> (rclone never opens the cached file itself: a damaged file fails the
/// last read, rclone is killed before it sees the end of its input, and the partial copy is deleted),
/// and then renamed into place with <c>rclone moveto</c>: rclone 1.60 writes straight to the final
/// name on several backends (local among them), so a half-sent copy would otherwise be visible.
/// moveto is a server-side rename or move where the backend has one; on the others rclone copies then
/// deletes, and the final object appears only once complete because object stores publish an object
/// when its upload finishes. Reads stream through <c>rclone cat</c>; presence and listings use
/// <c>rclone lsjson</c>.</para>
/// <para>Errors are classified by rclone's documented exit codes, never its messages: 3 (directory
/// not found) and 4 (file not found) mean absent; 5 (temporary error) and 1 (rclone could not open the
/// remote at all, which is how an unreachable server shows up) mean unavailable; 7 (fatal) and the
/// others mean the remote refused. Standard error only feeds the message.</para>
/// </remarks>
public sealed partial class RcloneHost : IStorageHost
{
    private const int ExitDirectoryNotFound = 3;
    private const int ExitFileNotFound = 4;
    private const int ExitTemporary = 5;
    private const int ExitFatal = 7;
    private const int ExitCannotOpen = 1;
    private readonly RcloneHostOptions _options;
    private readonly ConcurrentDictionary<string, bool> _madeFolders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _folderLock = new(1, 1);

    /// <summary>Creates a host over an rclone remote; nothing runs until the first call.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public RcloneHost(string name, RcloneHostOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Remote, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Executable, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentTransfers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentTransfers, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LowLevelRetries, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.LowLevelRetries, 20, nameof(options));
        if (options.Remote.StartsWith('-'))
        {
            throw new ArgumentException($"The rclone remote '{options.Remote}' would read as an option.", nameof(options));
        }

        Name = name;
        _options = options;
        Capabilities = new HostCapabilities(CanDelete: true, CanList: true, AssignsLocator: false, options.MaxConcurrentTransfers);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "rclone";

    /// <inheritdoc />
    public HostCapabilities Capabilities { get; }

    /// <summary>The remote, in rclone's syntax.</summary>
    public string Remote => _options.Remote;

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        var key = ContentKeys.Of(content.Hash);
        if (await StatAsync(key, cancellationToken).ConfigureAwait(false) == content.Length)
        {
            return new HostLocator(key);
        }

        await EnsureFolderAsync(ContentKeys.IncomingFolder, cancellationToken).ConfigureAwait(false);
        await EnsureFolderAsync(key[..2], cancellationToken).ConfigureAwait(false);
        var incoming = ContentKeys.NewIncoming(content.Hash);
        var placed = false;
        try
        {
            var input = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                var size = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var copy = await ToolProcess.RunAsync(
                    Name, _options.Executable, Arguments(["rcat", "--size", size, PathOf(incoming)]), Timeout.InfiniteTimeSpan, 1 << 20, cancellationToken, input: input)
                    .ConfigureAwait(false);
                ThrowIfFailed(copy, "store", content.Hash, notFoundMeansAbsent: false);
            }

            var move = await RunAsync(["moveto", PathOf(incoming), PathOf(key)], cancellationToken).ConfigureAwait(false);
            // A concurrent upload of the same content may win the race for the name (WebDAV answers
            // 412); its copy holds the same bytes, so that is success.
            if (move.ExitCode != 0 && await StatAsync(key, cancellationToken).ConfigureAwait(false) != content.Length)
            {
                ThrowIfFailed(move, "move into place", content.Hash, notFoundMeansAbsent: false);
            }

            placed = move.ExitCode == 0;
            return new HostLocator(key);
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
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tool = ToolProcess.Start(Name, _options.Executable, Arguments(["cat", PathOf(ContentKeys.Of(content.Hash))]));
        try
        {
            // Read the first block before answering: a missing copy shows as an exit code with no
            // output, and must become a typed not-found here rather than an error half way through.
            var prefix = new byte[64 * 1024];
            int read;
            using (cancellationToken.Register(tool.Kill))
            {
                read = await tool.StandardOutput.ReadAsync(prefix, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (read == 0)
            {
                var exitCode = await tool.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                var result = new ToolResult(exitCode, "", await tool.GetStandardErrorAsync().ConfigureAwait(false), false);
                ThrowIfFailed(result, "read", content.Hash, notFoundMeansAbsent: true);
            }

            return new ToolOutputStream(tool, prefix, read, (exitCode, error) =>
                exitCode == 0 ? null : Classify(new ToolResult(exitCode, "", error, false), "read", content.Hash, notFoundMeansAbsent: true));
        }
        catch
        {
            tool.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken) =>
        await StatAsync(ContentKeys.Of(content.Hash), cancellationToken).ConfigureAwait(false) == content.Length;

    /// <inheritdoc />
    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync(["delete", PathOf(ContentKeys.Of(content.Hash))], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode is ExitDirectoryNotFound or ExitFileNotFound)
        {
            return;
        }

        ThrowIfFailed(result, "delete", content.Hash, notFoundMeansAbsent: false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var tool = ToolProcess.Start(
            Name, _options.Executable, Arguments(["lsjson", "--recursive", "--files-only", "--exclude", $"/{ContentKeys.IncomingFolder}/**", _options.Remote]));
        using var kill = cancellationToken.Register(tool.Kill);
        var entries = JsonSerializer.DeserializeAsyncEnumerable(tool.StandardOutput, RcloneJson.Default.RcloneEntry, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (entries.ConfigureAwait(false))
        {
            while (true)
            {
                RcloneEntry? entry;
                try
                {
                    if (!await entries.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    entry = entries.Current;
                }
                catch (JsonException)
                {
                    // rclone prints "[" before it learns that the folder is missing; the exit code decides below.
                    break;
                }

                if (entry is { IsDir: false } && ContentKeys.TryParse(entry.Path, out var hash))
                {
                    yield return new HostEntry(hash, entry.Size, new HostLocator(entry.Path));
                }
            }
        }

        var exitCode = await tool.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (exitCode is not 0 and not ExitDirectoryNotFound)
        {
            throw Classify(new ToolResult(exitCode, "", await tool.GetStandardErrorAsync().ConfigureAwait(false), false), "list", null, notFoundMeansAbsent: false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _folderLock.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (rclone {_options.Remote})";

    /// <summary>The size of the object at a key, or null when rclone says it is absent.</summary>
    private async Task<long?> StatAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync(["lsjson", "--stat", PathOf(key)], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode is ExitDirectoryNotFound or ExitFileNotFound)
        {
            return null;
        }

        ThrowIfFailed(result, "look up", null, notFoundMeansAbsent: false);
        try
        {
            var entry = JsonSerializer.Deserialize(result.Output, RcloneJson.Default.RcloneEntry);
            return entry is { IsDir: false } ? entry.Size : null;
        }
        catch (JsonException e)
        {
            throw new HostOperationException(Name, $"Host '{Name}': rclone lsjson printed something that is not JSON: {e.Message}", isTransient: false, e);
        }
    }

    /// <summary>
    /// Makes a folder once per host instance, one at a time: several rclone processes creating the same
    /// parent folder at once make WebDAV servers answer 423 Locked, which fails the upload.
    /// </summary>
    private async Task EnsureFolderAsync(string folder, CancellationToken cancellationToken)
    {
        if (_madeFolders.ContainsKey(folder))
        {
            return;
        }

        await _folderLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_madeFolders.ContainsKey(folder))
            {
                ThrowIfFailed(await RunAsync(["mkdir", PathOf(folder)], cancellationToken).ConfigureAwait(false), "create a folder", null, notFoundMeansAbsent: false);
                _madeFolders[folder] = true;
            }
        }
        finally
        {
            _folderLock.Release();
        }
    }

    private Task<ToolResult> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        ToolProcess.RunAsync(Name, _options.Executable, Arguments(command), Timeout.InfiniteTimeSpan, 1 << 20, cancellationToken);

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            // The upload is already lost; give the clean-up a short, independent time limit.
            await ToolProcess.RunAsync(Name, _options.Executable, Arguments(["delete", PathOf(key)]), TimeSpan.FromSeconds(30), 4096, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (StorageHostException)
        {
            // Leftovers under .incoming are never listed nor read.
        }
    }

    private List<string> Arguments(IReadOnlyList<string> command)
    {
        var arguments = new List<string>(command);
        if (_options.ConfigPath is { } config)
        {
            arguments.AddRange(["--config", config]);
        }

        arguments.AddRange(["--retries", "1", "--low-level-retries", _options.LowLevelRetries.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return arguments;
    }

    private string PathOf(string key) =>
        _options.Remote.EndsWith(':') || _options.Remote.EndsWith('/') ? _options.Remote + key : $"{_options.Remote}/{key}";

    private void ThrowIfFailed(ToolResult result, string operation, ContentHash? hash, bool notFoundMeansAbsent)
    {
        if (result.ExitCode != 0)
        {
            throw Classify(result, operation, hash, notFoundMeansAbsent);
        }
    }

    private StorageHostException Classify(ToolResult result, string operation, ContentHash? hash, bool notFoundMeansAbsent)
    {
        var message = $"Host '{Name}': rclone could not {operation} (exit code {result.ExitCode}): {result.ErrorSummary}";
        return result.ExitCode switch
        {
            ExitDirectoryNotFound or ExitFileNotFound when notFoundMeansAbsent && hash is { } absent => new ContentNotFoundException(Name, absent),
            ExitTemporary or ExitCannotOpen => new HostUnavailableException(Name, message),
            ExitFatal => new HostOperationException(Name, message, isTransient: false),
            _ => new HostOperationException(Name, message, isTransient: false),
        };
    }

    private sealed record RcloneEntry(string Path, long Size, bool IsDir);

    /// <summary>rclone's lsjson entries, read without reflection (the tool is published ahead of time); names match case-sensitively.</summary>
    [JsonSerializable(typeof(RcloneEntry))]
    private sealed partial class RcloneJson : JsonSerializerContext;
}
