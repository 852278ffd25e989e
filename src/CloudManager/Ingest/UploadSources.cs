using CloudManager.IO;

namespace CloudManager.Ingest;

/// <summary>Why an entry of a folder being uploaded was left out.</summary>
public enum SkipReason
{
    /// <summary>A symbolic link, not followed (without <c>--follow-links</c>, links inside folders are never followed).</summary>
    SymbolicLink,

    /// <summary>A link to a folder that is already being walked: following it would loop.</summary>
    LinkLoop,

    /// <summary>A folder or file reached a second time (through a link, or a file's second hard link): listed once.</summary>
    AlreadyListed,

    /// <summary>A link that leads nowhere (its target is missing, or the links loop among themselves).</summary>
    BrokenLink,

    /// <summary>A named pipe, socket or device: never opened (opening a pipe blocks).</summary>
    SpecialFile,

    /// <summary>One of the pool's own folders or files: the cache folder, the catalog, a directory host's folder.</summary>
    PoolFile,

    /// <summary>A name holding a control, format, separator or other invisible character (see <see cref="FileNames"/>).</summary>
    ForbiddenName,
}

/// <summary>A file to upload.</summary>
/// <param name="FullPath">Its full path.</param>
/// <param name="DisplayPath">The path as the user would write it: the argument, then the path inside it.</param>
/// <param name="Length">Its size when it was listed.</param>
public sealed record UploadSource(string FullPath, string DisplayPath, long Length);

/// <summary>An entry left out, with why.</summary>
/// <param name="DisplayPath">The path as the user would write it.</param>
/// <param name="Reason">Why it was left out.</param>
public sealed record SkippedSource(string DisplayPath, SkipReason Reason);

/// <summary>What a walk found: the files to upload, the entries left out, and the folders walked.</summary>
/// <param name="Files">The regular files, in the order of the arguments, each folder's entries in ordinal name order.</param>
/// <param name="Skipped">The entries left out, in the order met.</param>
/// <param name="Folders">How many folders were walked (the arguments' included).</param>
public sealed record SourceListing(IReadOnlyList<UploadSource> Files, IReadOnlyList<SkippedSource> Skipped, int Folders);

/// <summary>
/// Lists the files an upload of paths takes in. Paths are what they say: inside a folder, symbolic
/// links are not followed unless asked (the followLinks argument of <see cref="Collect"/>), and
/// then a link to a folder already on the current path is a loop and a folder or file reached a second
/// time is listed once; named pipes, sockets and devices are never opened; the pool's own folders and
/// files are never taken in. A path named as an argument is followed when it is a link (it was asked for).
/// A followed link to a file is read, and recorded, as the file it leads to.
/// Every entry met is accounted for exactly once: a file listed, a folder walked, or an entry skipped.
/// </summary>
public static class UploadSources
{
    /// <summary>Walks <paramref name="arguments"/> (files and folders) and lists what to upload.</summary>
    /// <param name="arguments">The paths named by the user.</param>
    /// <param name="followLinks">Whether symbolic links inside folders are followed.</param>
    /// <param name="poolPaths">The pool's own folders and files (cache folder, catalog file, directory hosts' folders): never taken in.</param>
    /// <exception cref="FileNotFoundException">An argument does not exist.</exception>
    public static SourceListing Collect(IEnumerable<string> arguments, bool followLinks, IEnumerable<string> poolPaths)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(poolPaths);
        var walk = new Walk(followLinks, PoolIdentities(poolPaths));
        foreach (var argument in arguments)
        {
            walk.Argument(argument);
        }

        return new SourceListing(walk.Files, walk.Skipped, walk.Folders);
    }

    /// <summary>The pool's own paths, by full path and, where the system gives it, by device and inode.</summary>
    private static Protected PoolIdentities(IEnumerable<string> paths)
    {
        var result = new Protected([], []);
        foreach (var path in paths.Where(p => !string.IsNullOrEmpty(p)))
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
            result.Paths.Add(full);
            if (PathStatus.OfTarget(full) is { Exists: true, Inode: not 0 } status)
            {
                result.Identities.Add((status.Device, status.Inode));
            }
        }

        return result;
    }

    private sealed record Protected(List<string> Paths, HashSet<(ulong Device, ulong Inode)> Identities)
    {
        public bool Contains(string fullPath, PathStatus status)
        {
            if (status.Inode != 0 && Identities.Contains((status.Device, status.Inode)))
            {
                return true;
            }

            return Paths.Exists(p => fullPath == p || fullPath.StartsWith(p + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        }
    }

    private sealed class Walk(bool followLinks, Protected pool)
    {
        private readonly HashSet<(ulong, ulong)> _onPath = [];
        private readonly HashSet<(ulong, ulong)> _seen = [];

        public List<UploadSource> Files { get; } = [];

        public List<SkippedSource> Skipped { get; } = [];

        public int Folders { get; private set; }

        public void Argument(string argument)
        {
            var full = Path.GetFullPath(argument);
            // A path named by the user is taken as what it leads to: naming a link asks for it.
            var status = PathStatus.OfTarget(full);
            if (!status.Exists)
            {
                throw new FileNotFoundException($"Cannot upload '{FileNames.ForDisplay(argument)}': no such file or folder.", argument);
            }

            if (InsidePool(full, status))
            {
                Skipped.Add(new SkippedSource(argument, SkipReason.PoolFile));
                return;
            }

            var link = PathStatus.Of(full).Kind == PathKind.SymbolicLink;
            Entry(link && status.Kind == PathKind.RegularFile ? PathStatus.Resolve(full) : full, argument, status, fromLink: false);
        }

        /// <summary>One entry whose status (links followed or not) is known.</summary>
        private void Entry(string full, string display, PathStatus status, bool fromLink)
        {
            if (pool.Contains(full, status))
            {
                Skipped.Add(new SkippedSource(display, SkipReason.PoolFile));
                return;
            }

            switch (status.Kind)
            {
                case PathKind.Directory:
                    Folder(full, display, status);
                    break;
                case PathKind.RegularFile:
                    File(full, display, status, fromLink);
                    break;
                default:
                    Skipped.Add(new SkippedSource(display, SkipReason.SpecialFile));
                    break;
            }
        }

        private void File(string full, string display, PathStatus status, bool fromLink)
        {
            if (FileNames.FindForbidden(Path.GetFileName(full)) is not null)
            {
                Skipped.Add(new SkippedSource(display, SkipReason.ForbiddenName));
            }
            else if (status.Inode != 0 && !_seen.Add((status.Device, status.Inode)))
            {
                // The same file reached again (through a link, or a second hard link): listed once.
                Skipped.Add(new SkippedSource(display, SkipReason.AlreadyListed));
            }
            else
            {
                Files.Add(new UploadSource(full, display, new FileInfo(full).Length));
            }
        }

        private void Folder(string full, string display, PathStatus status)
        {
            var identity = (status.Device, status.Inode);
            if (status.Inode != 0 && _onPath.Contains(identity))
            {
                Skipped.Add(new SkippedSource(display, SkipReason.LinkLoop));
                return;
            }

            if (status.Inode != 0 && !_seen.Add(identity))
            {
                Skipped.Add(new SkippedSource(display, SkipReason.AlreadyListed));
                return;
            }

            Folders++;
            _onPath.Add(identity);
            try
            {
                var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.None, IgnoreInaccessible = false };
                foreach (var child in Directory.EnumerateFileSystemEntries(full, "*", options).Order(StringComparer.Ordinal))
                {
                    var childDisplay = Path.Join(display, Path.GetFileName(child));
                    var own = PathStatus.Of(child);
                    if (own.Kind != PathKind.SymbolicLink)
                    {
                        Entry(child, childDisplay, own, fromLink: false);
                    }
                    else if (!followLinks)
                    {
                        Skipped.Add(new SkippedSource(childDisplay, SkipReason.SymbolicLink));
                    }
                    else
                    {
                        Linked(child, childDisplay);
                    }
                }
            }
            finally
            {
                _onPath.Remove(identity);
            }
        }

        private void Linked(string full, string display)
        {
            PathStatus target;
            try
            {
                target = PathStatus.OfTarget(full);
            }
            catch (IOException)
            {
                // ELOOP: links that lead to one another.
                target = default;
            }

            if (!target.Exists)
            {
                Skipped.Add(new SkippedSource(display, SkipReason.BrokenLink));
                return;
            }

            // A file is read where the link leads (and recorded under that file's name): the link's own
            // status (its length is its text's) is not the file's.
            var resolved = target.Kind == PathKind.RegularFile ? PathStatus.Resolve(full) : full;
            Entry(resolved, display, target, fromLink: true);
        }

        /// <summary>Whether an argument is inside one of the pool's folders (checked on its folders up to the root).</summary>
        private bool InsidePool(string full, PathStatus status)
        {
            if (pool.Contains(full, status))
            {
                return true;
            }

            for (var folder = Path.GetDirectoryName(full); folder is not null; folder = Path.GetDirectoryName(folder))
            {
                if (PathStatus.OfTarget(folder) is { Inode: not 0 } parent && pool.Identities.Contains((parent.Device, parent.Inode)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
