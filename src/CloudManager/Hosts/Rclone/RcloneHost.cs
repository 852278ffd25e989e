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
/// <c>rclone lsjson</c>. The identity marker is <c>REMOTE/cloud-manager-host.json</c>; metadata
/// objects (the journal) live under <c>REMOTE/cloud-manager-meta/</c>, written like content (rcat to
/// <c>.incoming/</c>, then moveto over the old object).</para>
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
            Name, _options.Executable, Arguments(["lsjson", "--recursive", "--files-only", "--exclude", $"/{ContentKeys.IncomingFolder}/**", "--exclude", $"/{MetadataNames.Folder}/**", _options.Remote]));
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
    /// <remarks><c>("file", folder)</c> for a local remote (<c>:local:/path</c> or a plain path), else <c>("rclone", "remote:path")</c>.</remarks>
    public HostLocation Location =>
        LocalFolder is { } folder ? HostLocation.OfFolder(folder) : new HostLocation("rclone", _options.Remote.TrimEnd('/'));

    /// <summary>The folder of a local remote (<c>:local:/path</c>, <c>:local,opt=x:/path</c> or a path without a remote name); null for others.</summary>
    private string? LocalFolder
    {
        get
        {
            var remote = _options.Remote;
            if (remote.StartsWith(":local", StringComparison.Ordinal) && remote.Length > 6 && remote[6] is ':' or ',')
            {
                var colon = remote.IndexOf(':', 1);
                var path = colon < 0 ? "" : remote[(colon + 1)..];
                return path.Length == 0 ? "." : path;
            }

            return remote.StartsWith('/') || !remote.Contains(':', StringComparison.Ordinal) ? remote : null;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>rclone lsjson --stat</c> of the marker, then <c>rclone cat</c> of at most
    /// <see cref="HostMarker.MaxBytes"/> + 1 bytes. A local remote whose folder is missing is
    /// unavailable (an unmounted disk), as for a <c>directory</c> host.
    /// </remarks>
    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (LocalFolder is { } folder && !Directory.Exists(folder))
        {
            throw new HostUnavailableException(Name, $"Host '{Name}': folder '{folder}' does not exist (is the disk mounted?).");
        }

        switch (await StatEntryAsync(HostMarker.ObjectName, cancellationToken).ConfigureAwait(false))
        {
            case null:
                return null;
            case { IsDir: true }:
                throw new HostMarkerException(Name, $"Host '{Name}': '{PathOf(HostMarker.ObjectName)}' is a folder, not an identity marker. Move it away, or point the host at another place.");
            case { Size: > HostMarker.MaxBytes } large:
                throw new HostMarkerException(Name, $"Host '{Name}': the identity marker {HostMarker.ObjectName} is {large.Size} bytes, more than the {HostMarker.MaxBytes} a marker can be. Look at it; it is never replaced automatically.");
        }

        using var tool = ToolProcess.Start(
            Name, _options.Executable, Arguments(["cat", "--count", (HostMarker.MaxBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), PathOf(HostMarker.ObjectName)]));
        using var kill = cancellationToken.Register(tool.Kill);
        var buffer = new MemoryStream();
        await tool.StandardOutput.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var exitCode = await tool.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (exitCode is ExitDirectoryNotFound or ExitFileNotFound)
        {
            // Deleted between the look-up and the read.
            return null;
        }

        if (exitCode != 0)
        {
            throw Classify(new ToolResult(exitCode, "", await tool.GetStandardErrorAsync().ConfigureAwait(false), false), "read the identity marker", null, notFoundMeansAbsent: false);
        }

        return HostMarker.Parse(Name, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads first; when there is no marker, copies it to <c>.incoming/</c> and moves it into place
    /// with <c>rclone moveto --ignore-existing</c>, which leaves a marker that appeared meanwhile
    /// alone. rclone has no atomic create-if-absent on every backend, so the marker is then read back
    /// until two reads a moment apart agree, and that one is returned: nodes racing on a backend
    /// without one settle on the last one written.
    /// </remarks>
    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        if (await ReadMarkerAsync(cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var json = (proposed with { Kind = Kind }).ToJson();
        var local = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cloud-manager-host.{Guid.NewGuid():N}.json");
        var incoming = $"{ContentKeys.IncomingFolder}/{HostMarker.ObjectName}.{Guid.NewGuid():N}.partial";
        try
        {
            await File.WriteAllBytesAsync(local, json, cancellationToken).ConfigureAwait(false);
            await EnsureFolderAsync(ContentKeys.IncomingFolder, cancellationToken).ConfigureAwait(false);
            ThrowIfFailed(await RunAsync(["copyto", local, PathOf(incoming)], cancellationToken).ConfigureAwait(false), "write the identity marker", null, notFoundMeansAbsent: false);
            var move = await RunAsync(["moveto", "--ignore-existing", PathOf(incoming), PathOf(HostMarker.ObjectName)], cancellationToken).ConfigureAwait(false);
            // Some backends refuse the move when the name was taken meanwhile (WebDAV: 412): another node
            // wrote its marker first, and the read-back below returns that one.
            if (move.ExitCode != 0 && (move.TimedOut || await ReadMarkerAsync(cancellationToken).ConfigureAwait(false) is null))
            {
                ThrowIfFailed(move, "move the identity marker into place", null, notFoundMeansAbsent: false);
            }
        }
        finally
        {
            File.Delete(local);
            await DeleteQuietlyAsync(incoming).ConfigureAwait(false);
        }

        return await HostMarker.SettleAsync(
            ReadMarkerAsync,
            () => new HostUnavailableException(Name, $"Host '{Name}': the identity marker written to '{PathOf(HostMarker.ObjectName)}' is gone again; is something else changing the remote?"),
            cancellationToken).ConfigureAwait(false);
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
    private async Task<long?> StatAsync(string key, CancellationToken cancellationToken) =>
        await StatEntryAsync(key, cancellationToken).ConfigureAwait(false) is { IsDir: false } entry ? entry.Size : null;

    /// <summary>What is at a key (an object or a folder), or null when rclone says nothing is.</summary>
    private async Task<RcloneEntry?> StatEntryAsync(string key, CancellationToken cancellationToken)
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
            return JsonSerializer.Deserialize(result.Output, RcloneJson.Default.RcloneEntry);
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
