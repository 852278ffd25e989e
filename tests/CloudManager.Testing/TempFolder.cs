namespace CloudManager.Testing;

/// <summary>A fresh folder under the system temp folder, deleted with its contents on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
        : this(System.IO.Path.GetTempPath())
    {
    }

    /// <summary>A fresh folder under <paramref name="parent"/> (for example a memory file system, where a flush costs nothing).</summary>
    public TempFolder(string parent)
    {
        Path = System.IO.Path.Combine(parent, "cm-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string CreateFolder(string name)
    {
        var path = Combine(name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes a file of <paramref name="length"/> pseudo-random bytes drawn from <paramref name="seed"/>.</summary>
    public string WriteRandomFile(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
