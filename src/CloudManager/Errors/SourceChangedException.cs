namespace CloudManager;

/// <summary>
/// A file changed (grew, shrank or was rewritten) while the pool read it, so the bytes read are no
/// version the file ever had; nothing was added.
/// </summary>
public sealed class SourceChangedException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    public SourceChangedException(string path, long lengthBefore, long lengthRead, long? lengthNow)
        : base($"'{path}' changed while it was read ({lengthBefore} bytes at the start, {lengthRead} read{(lengthNow is { } now ? $", {now} now" : "")}); nothing was added. Upload it again once nothing writes to it.")
    {
        Path = path;
    }

    /// <summary>The file that changed.</summary>
    public string Path { get; }

    /// <summary>Transient: the same upload succeeds once the file is left alone.</summary>
    public override bool IsTransient => true;
}
