using System.Globalization;
using System.Runtime.CompilerServices;
using CloudManager.Hosts.Processes;

namespace CloudManager.Hosts.Plowshare;

/// <summary>
/// Keeps copies on a file-locker site through the plowshare command-line tools, the 2014 system's
/// way: <c>plowup</c> uploads and prints the URL the site assigned, <c>plowdown</c> fetches it back.
/// </summary>
/// <remarks>
/// <para>Configuration:</para>
/// <code>
/// { "name": "mediafire", "kind": "plowshare", "settings": { "module": "mediafire", "deleteExecutable": "plowdel" } }
/// </code>
/// <para>The site chooses the locator (<see cref="HostCapabilities.AssignsLocator"/>): the URL is the
/// last word <c>plowup MODULE FILE:NAME</c> prints, where NAME is <c>HASH_LENGTH</c> so that a
/// listing can tell what each link holds. plowup reads a path, so an upload first streams the
/// verified <see cref="UploadSource"/> into a private temp file (under <c>tempPath</c>) and runs the
/// tool only once the whole source has been read and checked. Uploading content that is already there reuses its link when
/// the host can list; otherwise the site makes a second link (the pool asks a host once per file). <c>plowdown URL -o DIR --temp-rename</c> fetches into a private
/// temp folder, and the stream returned deletes the file when disposed. Presence is checked with
/// <c>plowprobe</c>. Deleting needs <c>plowdel</c> and listing <c>plowlist</c> with the folder URL;
/// without them the host declares it cannot, and those calls throw <see cref="NotSupportedException"/>.</para>
/// <para>A locator that is not an http(s) URL was never assigned by a site: it is absent, and never
/// reaches a tool's command line. Errors follow plowshare's exit codes: 13 (link dead) means absent;
/// 3 (network), 5 (wait limit), 6 (retry limit) and 10 (temporarily unavailable) mean unavailable, as
/// does a tool that runs past its time limit; 7 (captcha) is a transient refusal; the others are
/// refusals.</para>
/// </remarks>
public sealed class PlowshareHost : IStorageHost
{
    private const int ExitNetwork = 3;
    private const int ExitMaxWait = 5;
    private const int ExitMaxTries = 6;
    private const int ExitCaptcha = 7;
    private const int ExitTemporarilyUnavailable = 10;
    private const int ExitLinkDead = 13;
    private readonly PlowshareHostOptions _options;
    private readonly string _tempRoot;
    private readonly HostMarker _marker;

    /// <summary>Creates a host for one plowshare module; no tool runs until the first call.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public PlowshareHost(string name, PlowshareHostOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Module, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.UploadExecutable, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DownloadExecutable, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProbeExecutable, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentTransfers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentTransfers, 16, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.UploadTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DownloadTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CommandTimeout, TimeSpan.Zero, nameof(options));
        if (options.Module.StartsWith('-'))
        {
            throw new ArgumentException($"The plowshare module '{options.Module}' would read as an option.", nameof(options));
        }

        if (options.Account is { } account && (account.Length == 0 || account.Any(c => char.IsControl(c) || c == '/')))
        {
            throw new ArgumentException($"The plowshare account name '{account}' must not be empty nor hold '/' or control characters.", nameof(options));
        }

        if (options.ListExecutable is not null && options.ListUrl is null)
        {
            throw new ArgumentException("PlowshareHostOptions.ListExecutable needs ListUrl, the shared folder to list.", nameof(options));
        }

        Name = name;
        _options = options;
        _tempRoot = Path.GetFullPath(options.TempPath ?? Path.Combine(Path.GetTempPath(), "cloud-manager-plowshare"));
        Capabilities = new HostCapabilities(
            CanDelete: options.DeleteExecutable is not null,
            CanList: options.ListExecutable is not null,
            AssignsLocator: true,
            options.MaxConcurrentTransfers,
            StoresMarker: false,
            StoresMetadata: false);
        var accountName = options.Account ?? "anonymous";
        Location = new HostLocation("plowshare", $"{options.Module}/{accountName}");
        _marker = new HostMarker(HostMarker.DeriveId(Kind, options.Module, accountName), DateTimeOffset.UnixEpoch, Kind);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "plowshare";

    /// <inheritdoc />
    public HostCapabilities Capabilities { get; }

    /// <summary>The plowshare module.</summary>
    public string Module => _options.Module;

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        if (_tempRoot.Contains(':', StringComparison.Ordinal))
        {
            throw new HostOperationException(Name, $"Host '{Name}': plowup reads ':' in the temp folder '{_tempRoot}' as the start of a remote name; set tempPath to a folder without one.");
        }

        if (_options.ListExecutable is { } list)
        {
            // Each upload makes a new link; with a listing, content already there keeps its one link.
            await foreach (var entry in ListCoreAsync(list, _options.ListUrl!, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Hash == content.Hash && entry.Length == content.Length)
                {
                    return entry.Locator;
                }
            }
        }

        // plowup can only send a path. It gets a private copy written from the verified source, and
        // only once the source has ended without error: a damaged source fails its last read, and the
        // tool never runs. (A named pipe would not do: plowup and curl want a regular file to size.)
        var folder = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        CreatePrivateFolder(folder);
        try
        {
            var copy = Path.Combine(folder, "upload");
            var input = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (input.ConfigureAwait(false))
            {
                var output = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
                }
            }

            var result = await RunAsync(_options.UploadExecutable, [_options.Module, $"{copy}:{RemoteName(content)}"], _options.UploadTimeout, "upload", cancellationToken)
                .ConfigureAwait(false);
            ThrowIfFailed(result, "upload", null);
            var words = result.Output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var last = words.Length > 0 ? words[^1] : "";
            return IsLink(last, out _)
                ? new HostLocator(last)
                : throw new HostOperationException(Name, $"Host '{Name}': plowup succeeded but printed no URL (last word: '{Shorten(last)}').");
        }
        catch (IOException e) when (source.Mismatch is null)
        {
            throw new HostOperationException(Name, $"Host '{Name}': cannot write the upload's temp copy under '{_tempRoot}': {e.Message}", isTransient: true, e);
        }
        finally
        {
            DeleteFolderQuietly(folder);
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsLink(locator.Value, out var url))
        {
            throw new ContentNotFoundException(Name, content.Hash);
        }

        var folder = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        CreatePrivateFolder(folder);
        try
        {
            var result = await RunAsync(_options.DownloadExecutable, [url.AbsoluteUri, "-o", folder, "--temp-rename"], _options.DownloadTimeout, "download", cancellationToken)
                .ConfigureAwait(false);
            ThrowIfFailed(result, "download", content.Hash);
            var files = Directory.GetFiles(folder).Where(f => !f.EndsWith(".part", StringComparison.Ordinal)).ToList();
            if (files.Count != 1)
            {
                throw new HostOperationException(Name, $"Host '{Name}': plowdown succeeded but left {files.Count} finished files instead of one.");
            }

            var file = new FileStream(files[0], FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new OwnedReadStream(file, () => DeleteFolderQuietly(folder));
        }
        catch
        {
            DeleteFolderQuietly(folder);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsLink(locator.Value, out var url))
        {
            return false;
        }

        var result = await RunAsync(_options.ProbeExecutable, ["--printf", "%s%n", url.AbsoluteUri], _options.CommandTimeout, "check a link", cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode == ExitLinkDead)
        {
            return false;
        }

        ThrowIfFailed(result, "check a link", null);
        // Sites that do not report a size print nothing; a live link is then all there is to know.
        var size = result.Output.Trim();
        return size.Length == 0 || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length == content.Length;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        if (_options.DeleteExecutable is not { } delete)
        {
            throw new NotSupportedException($"Host '{Name}' cannot delete: configure plowdel (deleteExecutable) for it.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!IsLink(locator.Value, out var url))
        {
            return;
        }

        var result = await RunAsync(delete, [url.AbsoluteUri], _options.CommandTimeout, "delete", cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != ExitLinkDead)
        {
            ThrowIfFailed(result, "delete", null);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<HostEntry> ListAsync(CancellationToken cancellationToken) =>
        _options.ListExecutable is { } list
            ? ListCoreAsync(list, _options.ListUrl!, cancellationToken)
            : throw new NotSupportedException($"Host '{Name}' cannot list: configure plowlist (listExecutable and listUrl) for it.");

    /// <inheritdoc />
    /// <remarks><c>("plowshare", "MODULE/ACCOUNT")</c>, the account <c>anonymous</c> when none is set.</remarks>
    public HostLocation Location { get; }

    /// <inheritdoc />
    /// <remarks>
    /// A locker cannot fetch by name, so it stores no marker (<see cref="HostCapabilities.StoresMarker"/>
    /// is false): the marker is derived, the same on every node and every call, from the kind, module
    /// and account (<see cref="HostMarker.DeriveId"/>), created at the Unix epoch. No tool runs.
    /// </remarks>
    public Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<HostMarker?>(_marker);
    }

    /// <inheritdoc />
    /// <remarks>Writes nothing and returns the derived marker (<see cref="ReadMarkerAsync"/>), whatever is proposed.</remarks>
    public Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_marker);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    /// <remarks>A locker cannot fetch by name: it keeps no metadata, so no journal of the files it holds.</remarks>
    public Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken) => throw NoMetadata();

    /// <inheritdoc />
    public IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, CancellationToken cancellationToken) => throw NoMetadata();

    /// <inheritdoc />
    public Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken) => throw NoMetadata();

    /// <inheritdoc />
    public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken) => throw NoMetadata();

    private NotSupportedException NoMetadata() =>
        new($"Host '{Name}' (plowshare) cannot keep metadata objects: a file locker cannot fetch by name, so it holds no journal of its files.");

    /// <inheritdoc />
    public override string ToString() => $"{Name} (plowshare {_options.Module})";

    private async IAsyncEnumerable<HostEntry> ListCoreAsync(string list, Uri listUrl, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync(list, ["--printf", "%f %u%n", listUrl.AbsoluteUri], _options.CommandTimeout, "list", cancellationToken).ConfigureAwait(false);
        // plowlist says 13 for an empty or missing folder.
        if (result.ExitCode == ExitLinkDead)
        {
            yield break;
        }

        ThrowIfFailed(result, "list", null);
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && TryParseRemoteName(parts[0], out var hash, out var length) && IsLink(parts[1], out _))
            {
                yield return new HostEntry(hash, length, new HostLocator(parts[1]));
            }
        }
    }

    private static string RemoteName(ContentRef content) => string.Create(CultureInfo.InvariantCulture, $"{content.Hash}_{content.Length}");

    private static bool TryParseRemoteName(string name, out ContentHash hash, out long length)
    {
        length = 0;
        hash = default;
        var separator = name.IndexOf('_', StringComparison.Ordinal);
        return separator > 0
            && ContentHash.TryParse(name[..separator], out hash)
            && long.TryParse(name[(separator + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length);
    }

    private static bool IsLink(string text, out Uri url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    private static string Shorten(string text) => text.Length > 80 ? text[..77] + "..." : text;

    private static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            // Downloads may be private data: only this user may look into the folder.
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void DeleteFolderQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<ToolResult> RunAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout, string operation, CancellationToken cancellationToken)
    {
        var result = await ToolProcess.RunAsync(Name, executable, arguments, timeout, 64 * 1024, cancellationToken).ConfigureAwait(false);
        return result.TimedOut
            ? throw new HostUnavailableException(Name, $"Host '{Name}': {Path.GetFileName(executable)} did not {operation} within {timeout.TotalSeconds:0.#} s and was stopped.")
            : result;
    }

    private void ThrowIfFailed(ToolResult result, string operation, ContentHash? absentContent)
    {
        if (result.ExitCode == 0)
        {
            return;
        }

        var message = $"Host '{Name}': plowshare could not {operation} (exit code {result.ExitCode}): {result.ErrorSummary}";
        throw result.ExitCode switch
        {
            ExitLinkDead when absentContent is { } hash => new ContentNotFoundException(Name, hash),
            ExitNetwork or ExitMaxWait or ExitMaxTries or ExitTemporarilyUnavailable => new HostUnavailableException(Name, message),
            ExitCaptcha => new HostOperationException(Name, message, isTransient: true),
            _ => (StorageHostException)new HostOperationException(Name, message, isTransient: false),
        };
    }
}
