namespace CloudManager.Hosts;

/// <summary>
/// Finds hosts that are one place or nested, and hosts inside the pool's own folders: each would make
/// the catalog's beliefs wrong (a copy counted twice is one copy; a host inside the cache folder loses
/// its copies when the cache evicts; the cache's reconciliation would read a host's objects as its own).
/// </summary>
/// <remarks>
/// <para>Locations compare segment by segment within one scheme: <c>/a/b</c> is inside <c>/a</c> but
/// <c>/a/bc</c> is not. <c>file</c> locations are normalised again (<see cref="HostLocation.NormaliseFolder"/>),
/// so a trailing slash, <c>..</c> or a symbolic link does not hide an overlap, and compare
/// case-sensitively on Linux (case-insensitively elsewhere, as those file systems usually are). Other
/// schemes compare ordinally after their first segment (<c>scheme://host:port</c>, <c>host:port</c> or
/// <c>remote:</c>).</para>
/// </remarks>
public static class HostOverlap
{
    /// <summary>Every pair of hosts that are one place or nested, and every host that overlaps a pool folder.</summary>
    /// <param name="hosts">The configured hosts and their <see cref="IStorageHost.Location"/>s.</param>
    /// <param name="poolFolders">The pool's own local folders, each with what it is (<c>the cache folder</c>, <c>the catalog's folder</c>).</param>
    /// <returns>The conflicts, in the order of the hosts; empty when none.</returns>
    public static IReadOnlyList<HostConflict> Find(IReadOnlyList<(string Name, HostLocation Location)> hosts, IReadOnlyList<(string What, string Path)> poolFolders)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(poolFolders);
        var places = hosts.Select(h => Normalise(h.Location)).ToList();
        var conflicts = new List<HostConflict>();
        for (var i = 0; i < hosts.Count; i++)
        {
            for (var j = i + 1; j < hosts.Count; j++)
            {
                var (a, b) = (hosts[i].Name, hosts[j].Name);
                switch (Compare(places[i], places[j]))
                {
                    case Relation.Same:
                        conflicts.Add(new HostConflict(a, b, HostConflictKind.SamePlace,
                            $"Hosts '{a}' and '{b}' are one place ({places[i]}): every copy would be counted twice. Remove one of them, or point it at another place."));
                        break;
                    case Relation.FirstInsideSecond:
                        conflicts.Add(Nested(a, places[i], b, places[j]));
                        break;
                    case Relation.SecondInsideFirst:
                        conflicts.Add(Nested(b, places[j], a, places[i]));
                        break;
                }
            }
        }

        var folders = poolFolders.Select(f => (f.What, Place: HostLocation.OfFolder(f.Path))).ToList();
        for (var i = 0; i < hosts.Count; i++)
        {
            foreach (var (what, folder) in folders)
            {
                var relation = Compare(places[i], folder);
                if (relation == Relation.Unrelated)
                {
                    continue;
                }

                var how = relation switch
                {
                    Relation.Same => $"is {what}",
                    Relation.FirstInsideSecond => $"is inside {what} ({folder.Path})",
                    _ => $"holds {what} ({folder.Path})",
                };
                conflicts.Add(new HostConflict(hosts[i].Name, what, HostConflictKind.PoolFolder,
                    $"Host '{hosts[i].Name}' ({places[i]}) {how}: the pool's own files and the host's copies would mix. Point the host at a folder outside {what}."));
            }
        }

        return conflicts;
    }

    /// <summary>Whether <paramref name="inner"/> is <paramref name="outer"/> or inside it, segment by segment, in one scheme.</summary>
    public static bool IsSameOrInside(HostLocation inner, HostLocation outer)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(outer);
        return Compare(Normalise(inner), Normalise(outer)) is Relation.Same or Relation.FirstInsideSecond;
    }

    private static HostConflict Nested(string inner, HostLocation innerPlace, string outer, HostLocation outerPlace) =>
        new(inner, outer, HostConflictKind.Nested,
            $"Host '{inner}' ({innerPlace}) is inside host '{outer}' ({outerPlace}): one host's listing and clean-up would reach the other's copies. Point one of them at a place outside the other.");

    private static HostLocation Normalise(HostLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Scheme == HostLocation.FileScheme && location.Path.Length > 0 ? HostLocation.OfFolder(location.Path) : location;
    }

    private static Relation Compare(HostLocation a, HostLocation b)
    {
        if (!string.Equals(a.Scheme, b.Scheme, StringComparison.Ordinal))
        {
            return Relation.Unrelated;
        }

        var comparison = a.Scheme == HostLocation.FileScheme && !OperatingSystem.IsLinux() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var x = Segments(a);
        var y = Segments(b);
        var common = Math.Min(x.Count, y.Count);
        for (var i = 0; i < common; i++)
        {
            if (!string.Equals(x[i], y[i], comparison))
            {
                return Relation.Unrelated;
            }
        }

        return x.Count == y.Count ? Relation.Same : x.Count > y.Count ? Relation.FirstInsideSecond : Relation.SecondInsideFirst;
    }

    /// <summary>A location's path as segments: a leading <c>scheme://authority</c> or <c>remote:</c> is one segment, then the parts between slashes.</summary>
    internal static List<string> Segments(HostLocation location)
    {
        var path = location.Path;
        var segments = new List<string>();
        var rest = path;
        var authority = path.IndexOf("://", StringComparison.Ordinal);
        if (authority > 0)
        {
            var end = path.IndexOf('/', authority + 3);
            segments.Add(end < 0 ? path : path[..end]);
            rest = end < 0 ? "" : path[end..];
        }
        else if (location.Scheme == "rclone" && path.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
            && !path.AsSpan(0, colon).Contains('/'))
        {
            segments.Add(path[..(colon + 1)]);
            rest = path[(colon + 1)..];
        }

        char[] separators = location.Scheme == HostLocation.FileScheme && OperatingSystem.IsWindows() ? ['/', '\\'] : ['/'];
        segments.AddRange(rest.Split(separators, StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));
        return segments;
    }

    private enum Relation
    {
        Unrelated,
        Same,
        FirstInsideSecond,
        SecondInsideFirst,
    }
}
