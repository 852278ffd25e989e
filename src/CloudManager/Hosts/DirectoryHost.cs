using System.Runtime.CompilerServices;
using CloudManager.IO;

namespace CloudManager.Hosts;

/// <summary>
/// Keeps copies in a local or mounted folder, one file per content, named by hash.
/// </summary>
/// <remarks>
/// <para>Configuration:</para>
/// <code>
/// { "name": "disk-b", "kind": "directory", "settings": { "path": "/mnt/b/pool" } }
/// </code>
/// <para>Layout: <c>PATH/ab/abcdef…</c> (the first two hex digits shard the folder), with
/// in-flight uploads under <c>PATH/.incoming/</c> until they are flushed and renamed into place,
/// so a copy is never visible half written; the partial copies of a killed process are deleted by
/// the next process's first upload. The locator is the relative path; since the path is a
/// function of the hash, locators from elsewhere (an imported record) are never used as paths.</para>
/// <para>Identity: <c>PATH/cloud-manager-host.json</c> (<see cref="HostMarker"/>), made by
/// <see cref="CreateMarkerAsync"/>, the only call that creates <c>PATH</c> itself.</para>
/// </remarks>
public sealed class DirectoryHost : IStorageHost
{
    private const string IncomingFolder = ".incoming";
    private readonly string _root;
    private int _sweptIncoming;

    /// <summary>Creates a host over a folder.</summary>
    public DirectoryHost(string name, DirectoryHostOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentTransfers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrentTransfers, 64, nameof(options));
        Name = name;
        _root = System.IO.Path.GetFullPath(options.Path);
        Capabilities = new HostCapabilities(CanDelete: true, CanList: true, AssignsLocator: false, options.MaxConcurrentTransfers);
    }

    /// <summary>Creates a host over a folder with default settings.</summary>
    public DirectoryHost(string name, string path)
        : this(name, new DirectoryHostOptions { Path = path })
    {
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "directory";

    /// <summary>The folder that holds the copies.</summary>
    public string RootPath => _root;

    /// <inheritdoc />
    public HostCapabilities Capabilities { get; }

    /// <inheritdoc />
    public async Task<HostLocator> UploadAsync(ContentRef content, UploadSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        var locator = LocatorOf(content.Hash);
        var finalPath = PathOf(content.Hash);
        try
        {
            // Content already there is kept only if its bytes are right: a copy damaged in place has
            // the right length, and a sync that re-copies it must replace it. Opaque bytes (encrypted)
            // cannot be judged by their hash, so such a copy is always written anew.
            if (!source.IsOpaque && new FileInfo(finalPath) is { Exists: true } existing && existing.Length == content.Length
                && await HashOfAsync(finalPath, cancellationToken).ConfigureAwait(false) == content.Hash)
            {
                return locator;
            }

            var incoming = System.IO.Path.Combine(_root, IncomingFolder);
            Directory.CreateDirectory(incoming);
            if (Interlocked.Exchange(ref _sweptIncoming, 1) == 0)
            {
                DeleteAbandonedUploads(incoming);
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(finalPath)!);
            var tempPath = System.IO.Path.Combine(incoming, $"{content.Hash}.{Guid.NewGuid():N}.partial");
            try
            {
                // A host's copy is not read again soon: large ones go past the page cache (DirectWriteStream).
                // The source's stream fails on its last bytes when they are damaged: the temp file is then deleted below.
                var input = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
                await using (input.ConfigureAwait(false))
                {
                    var target = DurableFile.CreateForWrite(tempPath, content.Length);
                    await using (target.ConfigureAwait(false))
                    {
                        await DurableFile.CopyAsync(input, target, progress: null, cancellationToken).ConfigureAwait(false);
                        await DurableFile.FlushToDiskAsync(target, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (new FileInfo(tempPath).Length != content.Length)
                {
                    throw new HostOperationException(Name, $"{source.Description} did not deliver {content.Length} bytes; nothing was stored.");
                }

                cancellationToken.ThrowIfCancellationRequested();
                DurableFile.MoveIntoPlace(tempPath, finalPath);
            }
            finally
            {
                DurableFile.DeleteQuietly(tempPath);
            }

            return locator;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "store");
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            return Task.FromResult<Stream>(DurableFile.OpenSequentialRead(PathOf(content.Hash)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContentNotFoundException(Name, content.Hash, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "read");
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        var info = new FileInfo(PathOf(content.Hash));
        return Task.FromResult(info.Exists && info.Length == content.Length);
    }

    /// <inheritdoc />
    public Task DeleteAsync(ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            File.Delete(PathOf(content.Hash));
            return Task.CompletedTask;
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "delete");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<HostEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureRoot();
        await Task.Yield();
        foreach (var shard in Directory.EnumerateDirectories(_root))
        {
            var shardName = System.IO.Path.GetFileName(shard);
            if (shardName.Length != 2)
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(shard))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fileName = System.IO.Path.GetFileName(file);
                if (ContentHash.TryParse(fileName, out var hash) && fileName.StartsWith(shardName, StringComparison.Ordinal))
                {
                    yield return new HostEntry(hash, new FileInfo(file).Length, LocatorOf(hash));
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>The folder with its symbolic links resolved, read anew on each call (a mount may change).</remarks>
    public HostLocation Location => HostLocation.OfFolder(_root);

    /// <inheritdoc />
    /// <remarks>A missing folder is an unmounted disk: <see cref="HostUnavailableException"/>, never <c>null</c>.</remarks>
    public async Task<HostMarker?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        var path = System.IO.Path.Combine(_root, HostMarker.ObjectName);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                return await HostMarker.ReadAsync(Name, stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FileNotFoundException)
        {
            // The folder may have gone (unmounted) between the check and the open.
            EnsureRoot();
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            throw new HostMarkerException(Name, $"Host '{Name}': '{path}' is a folder, not an identity marker. Move it away, or point the host at another folder.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "read the identity marker");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Creates the folder if it does not exist (first use; no other call does), writes the marker to a
    /// temp name, flushes it and links it to its final name only if that name is free (a hard link,
    /// which fails when the name is taken), so that a reader never sees half a marker and two nodes
    /// racing end with one marker.
    /// </remarks>
    public async Task<HostMarker> CreateMarkerAsync(HostMarker proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        cancellationToken.ThrowIfCancellationRequested();
        var json = (proposed with { Kind = Kind }).ToJson();
        var path = System.IO.Path.Combine(_root, HostMarker.ObjectName);
        var temp = System.IO.Path.Combine(_root, $".{HostMarker.ObjectName}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(_root);
            if (!File.Exists(path))
            {
                var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(json, cancellationToken).ConfigureAwait(false);
                    await DurableFile.FlushToDiskAsync(stream, cancellationToken).ConfigureAwait(false);
                }

                DurableFile.TryPlaceExclusive(temp, path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "write the identity marker");
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }

        return await ReadMarkerAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new HostUnavailableException(Name, $"Host '{Name}': the identity marker written to '{path}' is gone again; is something else changing the folder?");
    }

    /// <inheritdoc />
    /// <remarks>Written to a temp name beside the object (a name no listing reports), flushed, and renamed over it.</remarks>
    public async Task PutMetadataAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        var path = MetadataPath(name);
        var folder = System.IO.Path.GetDirectoryName(path)!;
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            content.Position = 0;
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await content.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                await DurableFile.FlushToDiskAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            DurableFile.MoveIntoPlace(temp, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "write the metadata object " + name);
        }
        finally
        {
            DurableFile.DeleteQuietly(temp);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<MetadataEntry> ListMetadataAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MetadataNames.CheckPrefix(prefix, nameof(prefix));
        EnsureRoot();
        await Task.Yield();
        var top = System.IO.Path.Combine(_root, MetadataNames.Folder);
        var start = prefix.Length == 0 ? top : System.IO.Path.Combine(top, prefix);
        if (!Directory.Exists(start))
        {
            yield break;
        }

        var names = new List<MetadataEntry>();
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = System.IO.Path.GetRelativePath(top, file.FullName).Replace(System.IO.Path.DirectorySeparatorChar, '/');
            if (MetadataNames.IsValid(name) && MetadataNames.IsUnder(name, prefix) && file.LinkTarget is null)
            {
                names.Add(new MetadataEntry(name, file.Length));
            }
        }

        foreach (var entry in names.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            yield return entry;
        }
    }

    /// <inheritdoc />
    public Task<Stream?> OpenMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            return Task.FromResult<Stream?>(new FileStream(MetadataPath(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            EnsureRoot();
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "read the metadata object " + name);
        }
    }

    /// <inheritdoc />
    public Task DeleteMetadataAsync(string name, CancellationToken cancellationToken)
    {
        MetadataNames.Check(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            File.Delete(MetadataPath(name));
            return Task.CompletedTask;
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Classify(e, "delete the metadata object " + name);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public override string ToString() => $"{Name} (directory {_root})";

    /// <summary>
    /// Deletes the partial copies that killed processes left in <c>.incoming/</c>. A writer holds its
    /// temp file exclusively (on Unix an <c>flock</c> the system drops when the process dies), so a
    /// file this host can lock has no live writer. Once per instance, so that uploads do not pay for a
    /// folder listing each: a partial copy of a process that dies later goes with the next process's first upload.
    /// </summary>
    private static void DeleteAbandonedUploads(string incoming)
    {
        foreach (var path in Directory.EnumerateFiles(incoming, "*.partial"))
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
                {
                }

                // Temp names are unique, so no new writer can have taken this one in between.
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process is writing it now.
            }
        }
    }

    private static async Task<ContentHash> HashOfAsync(string path, CancellationToken cancellationToken)
    {
        var stream = DurableFile.OpenSequentialRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await ContentHash.ComputeAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    private static HostLocator LocatorOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return new HostLocator($"{hex[..2]}/{hex}");
    }

    private string MetadataPath(string name) =>
        System.IO.Path.Combine([_root, MetadataNames.Folder, .. name.Split('/')]);

    private string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return System.IO.Path.Combine(_root, hex[..2], hex);
    }

    private void EnsureRoot()
    {
        if (!Directory.Exists(_root))
        {
            throw new HostUnavailableException(Name, $"Host '{Name}': folder '{_root}' does not exist (is the disk mounted?).");
        }
    }

    private StorageHostException Classify(Exception e, string operation) => e switch
    {
        DirectoryNotFoundException when !Directory.Exists(_root) =>
            new HostUnavailableException(Name, $"Host '{Name}': folder '{_root}' disappeared during {operation}.", e),
        UnauthorizedAccessException =>
            new HostOperationException(Name, $"Host '{Name}': permission denied to {operation} in '{_root}'.", isTransient: false, e),
        _ => new HostOperationException(Name, $"Host '{Name}': cannot {operation} in '{_root}': {e.Message}", isTransient: true, e),
    };
}
