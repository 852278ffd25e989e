using CloudManager.Ingest;
using CloudManager.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CloudManager.Tests.Names;

/// <summary>What an upload of folders takes in: no link followed unless asked, no loop, no special file, nothing of the pool's.</summary>
public sealed class UploadSourcesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed record Link(int From, int To, int Kind);

    private sealed record Tree(int[] Parents, int[] FileFolders, Link[] Links);

    /// <summary>Folders (each under an earlier one), files in them, and links to folders, files, ancestors, outside or nowhere.</summary>
    private static Gen<Tree> Trees =>
        from folders in Gen.Choose(1, 7)
        from seeds in Gen.ArrayOf(Gen.Choose(0, 1000), folders)
        let parents = seeds.Select((seed, i) => i == 0 ? -1 : seed % i).ToArray()
        from files in Gen.ArrayOf(Gen.Choose(0, folders - 1))
        from links in Gen.ArrayOf(from source in Gen.Choose(0, folders - 1) from to in Gen.Choose(0, 20) from kind in Gen.Choose(0, 4) select new Link(source, to, kind))
        select new Tree([.. parents], files.Take(12).ToArray(), links.Take(8).ToArray());

    [Fact]
    public void Random_trees_with_links_and_loops_terminate_stay_inside_and_account_for_every_entry()
    {
        var run = 0;
        var property = Prop.ForAll(Arb.From(Trees), tree =>
        {
            var root = _folder.Combine($"t{run++}");
            var outside = Build(tree, root);
            var all = Entries(root).ToList();
            var entries = all.Count;

            var plain = UploadSources.Collect([root], followLinks: false, []);
            var inside = plain.Files.All(f => f.FullPath.StartsWith(root + "/", StringComparison.Ordinal));
            var noLinkRead = plain.Files.All(f => new FileInfo(f.FullPath).LinkTarget is null);
            var linkCount = all.Count(p => new FileInfo(p).LinkTarget is not null);
            var accounted = plain.Files.Count + plain.Skipped.Count + (plain.Folders - 1) == entries
                && plain.Skipped.Count(s => s.Reason == SkipReason.SymbolicLink) == linkCount;

            var followed = UploadSources.Collect([root], followLinks: true, []);
            var reachable = followed.Files.All(f => f.FullPath.StartsWith(root + "/", StringComparison.Ordinal) || f.FullPath.StartsWith(outside + "/", StringComparison.Ordinal));
            var viaLinksOnce = followed.Files.GroupBy(f => f.FullPath).All(g => g.Count() == 1);
            var held = inside && noLinkRead && accounted && reachable && viaLinksOnce && followed.Files.Count >= plain.Files.Count;
            return held ? true : throw new InvalidOperationException(
                $"inside {inside}, no link read {noLinkRead}, accounted {accounted} ({plain.Files.Count} + {plain.Skipped.Count} + {plain.Folders} - 1 vs {entries}), "
                + $"reachable {reachable}, once {viaLinksOnce}, {followed.Files.Count} >= {plain.Files.Count}: {string.Join(", ", followed.Files.Select(f => f.FullPath))}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), property);
    }

    [Fact]
    public void Special_files_are_skipped_unopened_and_a_loop_is_cut()
    {
        var root = _folder.CreateFolder("tree");
        File.WriteAllText(Path.Combine(root, "a.txt"), "a");
        SpecialFiles.Fifo(Path.Combine(root, "pipe"));
        using var socket = SpecialFiles.Socket(Path.Combine(root, "sock"));
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.CreateSymbolicLink(Path.Combine(root, "sub", "up"), "..");

        var plain = UploadSources.Collect([root], false, []);
        Assert.Equal(["a.txt"], plain.Files.Select(f => Path.GetFileName(f.FullPath)));
        Assert.Equal(2, plain.Skipped.Count(s => s.Reason == SkipReason.SpecialFile));
        Assert.Single(plain.Skipped, s => s.Reason == SkipReason.SymbolicLink);

        var followed = UploadSources.Collect([root], true, []);
        Assert.Single(followed.Files);
        Assert.Single(followed.Skipped, s => s.Reason == SkipReason.LinkLoop);
    }

    [Fact]
    public void The_pools_own_folders_and_files_are_never_taken_in()
    {
        var root = _folder.CreateFolder("data");
        var cache = Directory.CreateDirectory(Path.Combine(root, "cache")).FullName;
        File.WriteAllText(Path.Combine(cache, ".lock"), "");
        File.WriteAllText(Path.Combine(root, "catalog.db"), "db");
        File.WriteAllText(Path.Combine(root, "catalog.db-wal"), "wal");
        File.WriteAllText(Path.Combine(root, "mine.txt"), "mine");
        string[] own = [cache, Path.Combine(root, "catalog.db"), Path.Combine(root, "catalog.db-wal"), Path.Combine(root, "catalog.db-shm")];

        var listing = UploadSources.Collect([root], false, own);
        Assert.Equal(["mine.txt"], listing.Files.Select(f => Path.GetFileName(f.FullPath)));
        Assert.Equal(3, listing.Skipped.Count(s => s.Reason == SkipReason.PoolFile));

        var cacheItself = UploadSources.Collect([cache, Path.Combine(cache, ".lock")], false, own);
        Assert.Empty(cacheItself.Files);
        Assert.Equal(2, cacheItself.Skipped.Count(s => s.Reason == SkipReason.PoolFile));
    }

    [Fact]
    public void Names_with_invisible_characters_are_skipped()
    {
        var root = _folder.CreateFolder("names");
        File.WriteAllText(Path.Combine(root, "fine.txt"), "x");
        File.WriteAllText(Path.Combine(root, "evil\u202Etxt.exe"), "x");
        File.WriteAllText(Path.Combine(root, "two\nlines"), "x");
        var listing = UploadSources.Collect([root], false, []);
        Assert.Single(listing.Files);
        Assert.Equal(2, listing.Skipped.Count(s => s.Reason == SkipReason.ForbiddenName));
    }

    /// <summary>Every entry under <paramref name="folder"/>, links listed and not followed.</summary>
    private static IEnumerable<string> Entries(string folder)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            yield return entry;
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
            {
                foreach (var inner in Entries(entry))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Builds the tree under <paramref name="root"/>; returns a folder outside it that some links lead to.</summary>
    private string Build(Tree tree, string root)
    {
        var outside = root + "-outside";
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside");
        var folders = new string[tree.Parents.Length];
        for (var i = 0; i < folders.Length; i++)
        {
            folders[i] = i == 0 ? root : Path.Combine(folders[tree.Parents[i]], $"d{i}");
            Directory.CreateDirectory(folders[i]);
        }

        var files = new List<string>();
        for (var i = 0; i < tree.FileFolders.Length; i++)
        {
            var path = Path.Combine(folders[tree.FileFolders[i]], $"f{i}.txt");
            File.WriteAllText(path, $"file {i}");
            files.Add(path);
        }

        for (var i = 0; i < tree.Links.Length; i++)
        {
            var link = tree.Links[i];
            var target = link.Kind switch
            {
                0 => folders[link.To % folders.Length],
                1 when files.Count > 0 => files[link.To % files.Count],
                2 => outside,
                3 => root,
                _ => Path.Combine(root, "nowhere"),
            };
            File.CreateSymbolicLink(Path.Combine(folders[link.From], $"l{i}"), target);
        }

        return outside;
    }
}
