using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudManager.Hosts.Identity;

/// <summary>
/// The configured hosts as identities. Each host carries a marker with a random id; the catalog records
/// copies by that id. At open the pool believes what the catalog last saw (a host with the same name
/// at the same place has the same id), enough to read from it, since every read is verified. Before a
/// host is written to, or a copy on it is confirmed or called missing, its marker is read: a host whose
/// marker is missing where the catalog knows one was (an unmounted disk) or unreadable is unavailable,
/// two configured hosts with one identity are refused, and a host seen under a new name keeps its copies.
/// </summary>
internal sealed class PoolHosts(PoolContext pool)
{
    private readonly ConcurrentDictionary<string, string> _confirmed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _resolving = new(1, 1);
    private IReadOnlyDictionary<string, string> _believed = new Dictionary<string, string>(StringComparer.Ordinal);
    private readonly Lock _refreshing = new();
    private Snapshot _snapshot = Snapshot.Empty;
    private long _resolvedAt = long.MinValue;

    /// <summary>How long a marker read stands in a long-running process before the next operation reads it again.</summary>
    internal static readonly TimeSpan MarkerLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Every host name to the identity this pool takes it to have (read from the host, or believed from the catalog).</summary>
    internal IReadOnlyDictionary<string, string> Ids => Volatile.Read(ref _snapshot).Ids;

    /// <summary>Why hosts are unavailable this run, by name (no marker where one was, an unreadable marker, unreachable).</summary>
    internal IReadOnlyDictionary<string, string> Problems => _problems;

    /// <summary>The identity of a configured host: read from it this run, else as the catalog last saw it, else unknown.</summary>
    internal string? IdOf(string hostName) => _confirmed.TryGetValue(hostName, out var id) ? id : _believed.GetValueOrDefault(hostName);

    /// <summary>The configured host that has an identity, if any.</summary>
    internal IStorageHost? HostOf(string hostId) => Volatile.Read(ref _snapshot).Hosts.GetValueOrDefault(hostId);

    /// <summary>Whether the host's marker was read this run and it may be written to.</summary>
    internal bool IsConfirmed(string hostName) => _confirmed.ContainsKey(hostName) && !_problems.ContainsKey(hostName);

    /// <summary>
    /// At open, without contacting any host: refuses hosts that overlap each other or the pool's folders,
    /// takes the identities the catalog last saw under each configured name and place, and tells the
    /// catalog which identities this node has (copies on any other no longer count for it).
    /// </summary>
    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        CheckPlaces();
        var known = await pool.Catalog.GetHostIdentitiesAsync(cancellationToken).ConfigureAwait(false);
        var believed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, host) in pool.Hosts)
        {
            var location = host.Location.ToString();
            if (known.Where(k => k.Name == name && k.Kind == host.Kind && k.Location == location).OrderByDescending(k => k.LastSeenAt).FirstOrDefault() is { } identity)
            {
                believed[name] = identity.HostId;
            }
        }

        _believed = believed;
        Refresh();
        await pool.Catalog.SetNodeHostsAsync(pool.NodeId, believed.Values.Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the hosts' markers (writing one on a host that is new to the catalog), records each identity,
    /// and refuses two hosts with one identity. A host read before is read again when it was unavailable,
    /// or when its reading is older than <see cref="MarkerLifetime"/> (a disk swapped under a server).
    /// </summary>
    /// <exception cref="HostConfigurationException">Two configured hosts carry one identity.</exception>
    internal async Task ResolveAsync(CancellationToken cancellationToken)
    {
        if (Fresh() && pool.Hosts.Keys.All(IsConfirmed))
        {
            return;
        }

        await _resolving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stale = !Fresh();
            var pending = pool.Hosts.Values.Where(h => stale || !IsConfirmed(h.Name)).ToList();
            if (pending.Count == 0)
            {
                return;
            }

            var known = await pool.Catalog.GetHostIdentitiesAsync(cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(pending, cancellationToken, (host, token) => new ValueTask(ResolveHostAsync(host, known, allowNew: true, token))).ConfigureAwait(false);
            var twins = _confirmed.GroupBy(c => c.Value, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
            if (twins.Count > 0)
            {
                throw new HostConfigurationException(twins.Select(g =>
                    $"Hosts {string.Join(" and ", g.Select(c => $"'{c.Key}' ({pool.Hosts[c.Key].Location})").Order(StringComparer.Ordinal))} carry one identity ({g.Key}): " +
                    "they are one place reached two ways, and every copy would count twice. Remove all but one of them from the config.").ToList());
            }

            await pool.Catalog.SetNodeHostsAsync(pool.NodeId, Ids.Values.Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
            if (stale)
            {
                Interlocked.Exchange(ref _resolvedAt, pool.Time.GetTimestamp());
            }
        }
        finally
        {
            _resolving.Release();
        }
    }

    private bool Fresh()
    {
        var at = Interlocked.Read(ref _resolvedAt);
        return at != long.MinValue && pool.Time.GetElapsedTime(at) < MarkerLifetime;
    }

    /// <summary>
    /// Reads one host's marker again now (a download found a copy gone: is the host still the one the
    /// catalog knows, or is its disk gone?).
    /// </summary>
    /// <returns>Whether the host answered with the identity this pool takes it to have.</returns>
    internal async Task<bool> ConfirmAsync(IStorageHost host, CancellationToken cancellationToken)
    {
        var expected = IdOf(host.Name);
        var known = await pool.Catalog.GetHostIdentitiesAsync(cancellationToken).ConfigureAwait(false);
        await ResolveHostAsync(host, known, allowNew: false, cancellationToken).ConfigureAwait(false);
        return expected is not null && IsConfirmed(host.Name) && _confirmed[host.Name] == expected;
    }

    /// <summary>
    /// Writes a new identity marker on a host that has none, on an administrator's word that it is a new,
    /// empty place (after a disk was replaced): copies recorded on its former identity no longer count.
    /// </summary>
    internal async Task<HostMarker> InitializeAsync(IStorageHost host, CancellationToken cancellationToken)
    {
        var marker = await host.CreateMarkerAsync(HostMarker.CreateNew(pool.Time, host.Kind), cancellationToken).ConfigureAwait(false);
        await RecordAsync(host, marker, await pool.Catalog.GetHostIdentitiesAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await pool.Catalog.SetNodeHostsAsync(pool.NodeId, Ids.Values.Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
        return marker;
    }

    private async Task ResolveHostAsync(IStorageHost host, IReadOnlyList<Catalog.HostIdentityRecord> known, bool allowNew, CancellationToken cancellationToken)
    {
        HostMarker? marker;
        try
        {
            marker = await host.ReadMarkerAsync(cancellationToken).ConfigureAwait(false);
            if (marker is null)
            {
                if (known.FirstOrDefault(k => k.Name == host.Name) is { } was)
                {
                    Unavailable(host,
                        $"Host '{host.Name}' ({host.Location}) has no identity marker, but this catalog knew it as {was.HostId} (last seen {was.LastSeenAt:u} at {was.Location}): " +
                        $"its disk may not be mounted, or the place was emptied. Nothing is written there until the marker is back. If it really is a new, empty place, run `cm hosts init {host.Name}`.");
                    return;
                }

                if (!allowNew)
                {
                    Unavailable(host, $"Host '{host.Name}' ({host.Location}) has no identity marker.");
                    return;
                }

                marker = await host.CreateMarkerAsync(HostMarker.CreateNew(pool.Time, host.Kind), cancellationToken).ConfigureAwait(false);
                pool.Logger.LogInformation("Host {Host} ({Location}) is new to this catalog: it now carries identity {Id}.", host.Name, host.Location, marker.Id);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is StorageHostException or IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            Unavailable(host, $"Host '{host.Name}' could not say who it is: {e.Message}");
            return;
        }

        if (marker.KeyCheck is { } keyCheck && !host.Capabilities.Encrypted)
        {
            // Its objects are ciphertext under keyed names: read without the key, every copy would look missing.
            Unavailable(host,
                $"Host '{host.Name}' ({host.Location}) holds encrypted copies (its identity marker names key {keyCheck[..16]}), but it is configured without encryption. " +
                "Add its \"encryption\" setting with the key file or variable that holds that key; nothing is written there until then.");
            return;
        }

        await RecordAsync(host, marker, known, cancellationToken).ConfigureAwait(false);
    }

    private async Task RecordAsync(IStorageHost host, HostMarker marker, IReadOnlyList<Catalog.HostIdentityRecord> known, CancellationToken cancellationToken)
    {
        if (known.FirstOrDefault(k => k.HostId == marker.Id) is { } seen && seen.Name != host.Name)
        {
            pool.Logger.LogInformation("Host {Host} is the host this catalog knew as {OldName} (identity {Id}): it keeps its copies.", host.Name, seen.Name, marker.Id);
        }

        if (_believed.TryGetValue(host.Name, out var before) && before != marker.Id)
        {
            pool.Logger.LogWarning(
                "Host {Host} ({Location}) now carries identity {Id}, not {Before}: another disk or place is there, and the copies recorded on {Before} no longer count.",
                host.Name, host.Location, marker.Id, before, before);
        }

        await pool.Catalog.RecordHostIdentityAsync(marker.Id, host.Name, host.Kind, host.Location.ToString(), pool.SharedTime.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _confirmed[host.Name] = marker.Id;
        _problems.TryRemove(host.Name, out _);
        Refresh();
    }

    private void Unavailable(IStorageHost host, string why)
    {
        _problems[host.Name] = why;
        _confirmed.TryRemove(host.Name, out _);
        Refresh();
        pool.Logger.LogWarning("{Problem}", why);
    }

    /// <summary>Takes a new snapshot of the names and identities after one of them changed.</summary>
    private void Refresh()
    {
        lock (_refreshing)
        {
            var ids = pool.Hosts.Keys.Select(n => (Name: n, Id: IdOf(n))).Where(x => x.Id is not null).ToDictionary(x => x.Name, x => x.Id!, StringComparer.Ordinal);
            var hosts = new Dictionary<string, IStorageHost>(StringComparer.Ordinal);
            foreach (var (name, id) in ids.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                hosts.TryAdd(id, pool.Hosts[name]);
            }

            Volatile.Write(ref _snapshot, new Snapshot(ids, hosts));
        }
    }

    /// <summary>Every host name to its identity, and every identity to the first host (by name) that carries it.</summary>
    private sealed record Snapshot(IReadOnlyDictionary<string, string> Ids, IReadOnlyDictionary<string, IStorageHost> Hosts)
    {
        internal static readonly Snapshot Empty = new(new Dictionary<string, string>(), new Dictionary<string, IStorageHost>());
    }

    /// <summary>Refuses hosts that are one place or nested, inside the cache folder, or holding the catalog.</summary>
    private void CheckPlaces()
    {
        var hosts = pool.Hosts.Values.Select(h => (h.Name, h.Location)).ToList();
        var conflicts = HostOverlap.Find(hosts, [("the cache folder", pool.Layout.Root)]).Select(c => c.Message).ToList();
        if (pool.Options.Database is { } database)
        {
            var catalogFolder = HostLocation.OfFolder(Path.GetDirectoryName(Path.GetFullPath(database)) ?? "/");
            foreach (var (name, location) in hosts.Where(h => h.Location.Scheme == HostLocation.FileScheme))
            {
                if (IsSameOrInside(catalogFolder.Path, location.Path))
                {
                    conflicts.Add($"Host '{name}' ({location}) holds the catalog ({database}): the catalog and the copies would share one place and be lost together. Point the host or the catalog elsewhere.");
                }
            }
        }

        if (conflicts.Count > 0)
        {
            throw new HostConfigurationException(conflicts);
        }
    }

    private static bool IsSameOrInside(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith('/') ? folder : folder + "/", StringComparison.Ordinal);
}
