using CloudManager.IO;

namespace CloudManager.Hosts.Processes;

/// <summary>
/// A tool's standard output as a read-only stream (rclone cat). The tool's exit code is checked at
/// the end of the data, so a tool that dies half way is an error, not a short file; disposing the
/// stream early kills the tool.
/// </summary>
internal sealed class ToolOutputStream : ReadOnlyStream
{
    private readonly ToolProcess _tool;
    private readonly Func<int, string, Exception?> _checkExit;
    private byte[]? _prefix;
    private int _prefixOffset;
    private readonly int _prefixLength;
    private bool _ended;
    private int _disposed;

    /// <param name="tool">The running tool.</param>
    /// <param name="prefix">Bytes already read from the output, served first.</param>
    /// <param name="prefixLength">How many bytes of <paramref name="prefix"/> are data.</param>
    /// <param name="checkExit">Maps an exit code and stderr to the error to throw, or null for success.</param>
    internal ToolOutputStream(ToolProcess tool, byte[] prefix, int prefixLength, Func<int, string, Exception?> checkExit)
    {
        _tool = tool;
        _prefix = prefix;
        _prefixLength = prefixLength;
        _checkExit = checkExit;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is not null)
        {
            var n = Math.Min(buffer.Length, _prefixLength - _prefixOffset);
            _prefix.AsMemory(_prefixOffset, n).CopyTo(buffer);
            _prefixOffset += n;
            if (_prefixOffset == _prefixLength)
            {
                _prefix = null;
            }

            return n;
        }

        if (_ended || buffer.Length == 0)
        {
            return 0;
        }

        // Pipe reads do not always observe the token; killing the tool ends the read for sure.
        int read;
        using (cancellationToken.Register(_tool.Kill))
        {
            read = await _tool.StandardOutput.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (read > 0)
        {
            return read;
        }

        _ended = true;
        var exitCode = await _tool.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (_checkExit(exitCode, await _tool.GetStandardErrorAsync().ConfigureAwait(false)) is { } error)
        {
            throw error;
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        // A stream may be disposed twice (a reader over it, then its owner); the tool only once.
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _tool.Dispose();
        }

        base.Dispose(disposing);
    }
}
