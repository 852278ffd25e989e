using CloudManager.Hosts;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Hosts.Identity;

/// <summary>Hosts on one place, nested hosts, and hosts inside the pool's own folders are found, however the paths are written.</summary>
public sealed class HostOverlapTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a/b", true)]
    [InlineData("/a/bc", "/a/b", false)]
    [InlineData("/a/b", "/a/bc", false)]
    [InlineData("/a", "/a", true)]
    [InlineData("/a/", "/a", true)]
    [InlineData("/a/x/../b", "/a/b", true)]
    [InlineData("/a/./b", "/a/b/", true)]
    [InlineData("/A", "/a", false)]
    [InlineData("/", "/anything", true)]
    public void Folders_overlap_when_one_is_a_segment_prefix_of_the_other(string first, string second, bool overlap)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Paths here are Linux paths; case-sensitivity is Linux's.");
        var conflicts = HostOverlap.Find([("one", new HostLocation("file", first)), ("two", new HostLocation("file", second))], []);
        Assert.Equal(overlap, conflicts.Count == 1);
        if (overlap)
        {
            Assert.Contains("'one'", conflicts[0].Message, StringComparison.Ordinal);
            Assert.Contains("'two'", conflicts[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Equal_places_are_SamePlace_and_nested_ones_name_the_inner_host_first()
    {
        var conflicts = HostOverlap.Find(
            [("outer", new HostLocation("s3", "minio:9000/pool")), ("inner", new HostLocation("s3", "minio:9000/pool/node-a")), ("twin", new HostLocation("s3", "minio:9000/pool"))],
            []);
        Assert.Equal(3, conflicts.Count);
        var nested = Assert.Single(conflicts, c => c.Kind == HostConflictKind.Nested && c.Second == "outer");
        Assert.Equal("inner", nested.First);
        Assert.Contains("is inside host 'outer'", nested.Message, StringComparison.Ordinal);
        var same = Assert.Single(conflicts, c => c.Kind == HostConflictKind.SamePlace);
        Assert.Equal(("outer", "twin"), (same.First, same.Second));
        Assert.Contains("Remove one of them", same.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3", "minio:9000/pool/a", "minio:9000/pool/ab", false)]
    [InlineData("s3", "minio:9000/pool", "minio:9001/pool", false)]
    [InlineData("webdav", "http://nas:80/dav/", "http://nas:80/dav/pool/", true)]
    [InlineData("webdav", "http://nas:80/dav/", "https://nas:443/dav/", false)]
    [InlineData("rclone", "r2:", "r2:pool", true)]
    [InlineData("rclone", "r2:pool", "r2:pool/x", true)]
    [InlineData("rclone", "r2:pool", "r3:pool", false)]
    [InlineData("rclone", "r2:pool", "r2:pools", false)]
    [InlineData("plowshare", "mediafire/alice", "mediafire/bob", false)]
    [InlineData("plowshare", "mediafire/anonymous", "mediafire/anonymous", true)]
    public void Other_schemes_compare_segment_by_segment(string scheme, string first, string second, bool overlap) =>
        Assert.Equal(overlap, HostOverlap.Find([("one", new HostLocation(scheme, first)), ("two", new HostLocation(scheme, second))], []).Count == 1);

    [Fact]
    public void Different_schemes_never_overlap() =>
        Assert.Empty(HostOverlap.Find([("one", new HostLocation("file", "/pool")), ("two", new HostLocation("rclone", "/pool"))], []));

    [Fact]
    public void A_symbolic_link_to_a_host_folder_or_to_a_folder_above_it_is_the_same_place()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Symbolic links need privileges on Windows.");
        var real = _folder.CreateFolder("disk");
        Directory.CreateDirectory(Path.Combine(real, "pool"));
        var link = _folder.Combine("link");
        Directory.CreateSymbolicLink(link, real);
        var relativeLink = _folder.Combine("relative");
        Directory.CreateSymbolicLink(relativeLink, "disk/pool");

        Assert.Equal(HostLocation.OfFolder(Path.Combine(real, "pool")), HostLocation.OfFolder(Path.Combine(link, "pool")));
        Assert.Equal(HostLocation.OfFolder(Path.Combine(real, "pool")), HostLocation.OfFolder(relativeLink + "/"));
        // ".." after a link goes to the parent of the link's target, as the system does.
        Assert.Equal(HostLocation.OfFolder(real), HostLocation.OfFolder(relativeLink + "/.."));
        var conflict = Assert.Single(HostOverlap.Find([("a", HostLocation.OfFolder(Path.Combine(link, "pool", "x"))), ("b", new HostLocation("file", real))], []));
        Assert.Equal(HostConflictKind.Nested, conflict.Kind);
        Assert.Equal("a", conflict.First);
    }

    [Fact]
    public void A_folder_that_does_not_exist_yet_keeps_its_resolved_existing_part()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Symbolic links need privileges on Windows.");
        var real = _folder.CreateFolder("mnt");
        var link = _folder.Combine("m");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(Path.Combine(real, "not", "yet"), HostLocation.OfFolder(Path.Combine(link, "not", "yet")).Path);
    }

    [Fact]
    public void Hosts_in_at_or_around_a_pool_folder_are_refused_naming_the_folder()
    {
        var cache = _folder.CreateFolder("cache");
        var catalog = _folder.CreateFolder("catalog");
        var found = HostOverlap.Find(
            [
                ("inside", HostLocation.OfFolder(Path.Combine(cache, "hosts", "b"))),
                ("same", HostLocation.OfFolder(catalog + "/")),
                ("around", HostLocation.OfFolder(_folder.Path)),
                ("apart", HostLocation.OfFolder(_folder.Combine("cache-b"))),
                ("remote", new HostLocation("s3", "minio:9000" + cache)),
            ],
            [("the cache folder", cache), ("the catalog's folder", catalog)]);
        // "around" also holds the other hosts: those are nested hosts, reported first.
        Assert.Equal(["inside/around", "same/around", "apart/around"], found.Where(c => c.Kind == HostConflictKind.Nested).Select(c => $"{c.First}/{c.Second}"));
        var conflicts = found.Where(c => c.Kind == HostConflictKind.PoolFolder).ToList();
        Assert.Equal(
            ["inside/the cache folder", "same/the catalog's folder", "around/the cache folder", "around/the catalog's folder"],
            conflicts.Select(c => $"{c.First}/{c.Second}"));
        Assert.Contains("Host 'inside'", conflicts[0].Message, StringComparison.Ordinal);
        Assert.Contains("is inside the cache folder", conflicts[0].Message, StringComparison.Ordinal);
        Assert.Contains("Point the host at a folder outside the cache folder", conflicts[0].Message, StringComparison.Ordinal);
        Assert.Contains("holds the catalog's folder", conflicts[3].Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Random pairs of paths over a small alphabet (so that prefixes, near-prefixes like <c>a/bc</c> and
    /// equal paths are common), written with random trailing slashes, doubled slashes and <c>.</c>
    /// segments: a conflict is reported exactly when one segment list is a prefix of the other.
    /// </summary>
    [Fact]
    public void Overlap_is_found_exactly_when_one_path_is_a_segment_prefix_of_the_other()
    {
        var segment = Gen.Elements("a", "b", "ab", "ba", "a.b", "B");
        var segments = Gen.ListOf(segment).Select(s => s.Take(5).ToList());
        var writing = Gen.Elements("", "/", "/.", "//");
        var scheme = Gen.Elements("file", "s3", "rclone");
        var cases = from s in scheme
                    from x in segments
                    from y in segments
                    from shareFirst in Gen.Choose(0, 5)
                    from wx in writing
                    from wy in writing
                    select (s, x, Share(x, y, shareFirst), wx, wy);
        var property = Prop.ForAll(Arb.From(cases), c =>
        {
            var (s, x, y, wx, wy) = c;
            var root = s == "file" ? _folder.Path : s == "s3" ? "minio:9000/bucket" : "remote:";
            var first = new HostLocation(s, Write(root, x, wx));
            var second = new HostLocation(s, Write(root, y, wy));
            var prefix = IsPrefix(x, y) || IsPrefix(y, x);
            var conflicts = HostOverlap.Find([("x", first), ("y", second)], []);
            var expectedKind = x.Count == y.Count ? HostConflictKind.SamePlace : HostConflictKind.Nested;
            return prefix
                ? conflicts.Count == 1 && conflicts[0].Kind == expectedKind
                    && HostOverlap.IsSameOrInside(x.Count >= y.Count ? first : second, x.Count >= y.Count ? second : first)
                : conflicts.Count == 0 && !HostOverlap.IsSameOrInside(first, second) && !HostOverlap.IsSameOrInside(second, first);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3_000), property);
    }

    public void Dispose() => _folder.Dispose();

    private static List<string> Share(List<string> x, List<string> y, int count) => [.. x.Take(count), .. y];

    private static bool IsPrefix(List<string> prefix, List<string> of) =>
        prefix.Count <= of.Count && prefix.SequenceEqual(of.Take(prefix.Count), StringComparer.Ordinal);

    private static string Write(string root, List<string> segments, string writing)
    {
        var path = root.EndsWith(':') ? root + string.Join(writing.Length > 0 && writing != "/" ? writing + "/" : "/", segments) : root;
        if (!root.EndsWith(':'))
        {
            foreach (var segment in segments)
            {
                path += (writing == "//" ? "//" : "/") + segment + (writing == "/." ? "/." : "");
            }
        }

        return path + (writing == "/" ? "/" : "");
    }
}
