namespace CloudManager.IO;

/// <summary>
/// A stream that can lend its next bytes where they already are instead of copying them into a
/// caller's buffer: a copy loop that knows it (<see cref="DurableFile.CopyAsync"/>) writes them
/// straight to its destination, one memory copy fewer per block.
/// </summary>
internal interface IBlockLendingStream
{
    /// <summary>
    /// Lends the next bytes of the stream. They stay valid and unchanged until the next call or until
    /// the stream is disposed, whichever comes first; the caller must not keep them past that.
    /// </summary>
    /// <returns>The next bytes; empty at the end of the stream.</returns>
    ValueTask<ReadOnlyMemory<byte>> LendNextAsync(CancellationToken cancellationToken);
}
