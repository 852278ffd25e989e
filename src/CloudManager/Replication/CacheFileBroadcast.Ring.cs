using System.Buffers;
using System.Security.Cryptography;
using CloudManager.IO;

namespace CloudManager.Replication;

/// <summary>The ring of shared blocks: the one reader that fills it and the hosts' streams that read from it.</summary>
internal sealed partial class CacheFileBroadcast
{
    // Under _lock: the ring and where the read is.
    private byte[][]? _blocks;
    private int[]? _lengths;
    private long _published;
    private bool _complete;
    private bool _readerDone;
    private Exception? _failure;
    private TaskCompletionSource? _publishedSignal;
    private TaskCompletionSource? _roomSignal;

    /// <summary>The blocks read from the file so far (tests: how far the read ran ahead of the hosts).</summary>
    internal long BlocksRead
    {
        get
        {
            lock (_lock)
            {
                return _published;
            }
        }
    }

    /// <summary>Whether the ring's blocks went back to the pool (every host left and the read is over).</summary>
    internal bool RingReturned
    {
        get
        {
            lock (_lock)
            {
                return _readerDone && _blocks is null;
            }
        }
    }

    /// <summary>Under the lock: as many blocks as the file needs, up to the ring's size, none larger than the file.</summary>
    private void AllocateRing()
    {
        var blocks = (int)Math.Clamp((_content.Length + _blockSize - 1) / _blockSize, 1, _ringBlocks);
        var size = (int)Math.Clamp(_content.Length, 1, _blockSize);
        _blocks = new byte[blocks][];
        _lengths = new int[blocks];
        for (var i = 0; i < blocks; i++)
        {
            _blocks[i] = ArrayPool<byte>.Shared.Rent(size);
        }
    }

    /// <summary>
    /// Reads the file into the ring. Each block but the last is handed out as soon as it is read and
    /// hashed while the hosts copy it (it is refilled only on a later turn, once hashed); the last is
    /// handed out only once the whole file hashed right and nothing follows it.
    /// </summary>
    private async Task ReadAndPublishAsync()
    {
        try
        {
            _opened();
            var file = DurableFile.OpenSequentialRead(_path);
            await using (file.ConfigureAwait(false))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long position = 0;
                for (long number = 0; ; number++)
                {
                    if (!await WaitForRoomAsync(number).ConfigureAwait(false))
                    {
                        return;
                    }

                    var block = _blocks![number % _blocks.Length];
                    var wanted = (int)Math.Min(_blockSize, _content.Length - position);
                    var read = wanted == 0 ? 0
                        : await file.ReadAtLeastAsync(block.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, _cancellationToken).ConfigureAwait(false);
                    position += read;
                    if (read < wanted)
                    {
                        throw Mismatch(position, null);
                    }

                    if (position < _content.Length)
                    {
                        Publish(number, read, last: false);
                        sha.AppendData(block, 0, read);
                        continue;
                    }

                    sha.AppendData(block, 0, read);
                    var after = await file.ReadAsync(new byte[1], _cancellationToken).ConfigureAwait(false);
                    if (after > 0)
                    {
                        throw Mismatch(position + after, null);
                    }

                    var hash = ContentHash.FromBytes(sha.GetHashAndReset());
                    if (hash != _content.Hash)
                    {
                        throw Mismatch(position, hash);
                    }

                    // The last block goes out only now that the whole file is known good.
                    Publish(number, read, last: true);
                    return;
                }
            }
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _failure = e;
                WakeHosts();
            }
        }
        finally
        {
            lock (_lock)
            {
                _readerDone = true;
                ReturnRingIfUnused();
            }
        }
    }

    /// <summary>Waits until block <paramref name="number"/>'s place in the ring is free; false once no host is left to read it.</summary>
    private async ValueTask<bool> WaitForRoomAsync(long number)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (!_shares.Exists(s => s.InFanOut))
                {
                    return false;
                }

                if (HasRoom(number))
                {
                    return true;
                }

                _roomSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _roomSignal.Task;
            }

            await wait.WaitAsync(_cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Under the lock: every host in the fan-out is done with the block that block <paramref name="number"/> replaces.</summary>
    private bool HasRoom(long number)
    {
        var replaced = number - _blocks!.Length;
        if (replaced < 0)
        {
            return true;
        }

        foreach (var share in _shares)
        {
            if (share.InFanOut && share.Next <= replaced)
            {
                return false;
            }
        }

        return true;
    }

    private void Publish(long number, int length, bool last)
    {
        lock (_lock)
        {
            // An empty file has no block to read: it is only complete.
            if (length > 0)
            {
                _lengths![number % _blocks!.Length] = length;
                _published = number + 1;
            }

            _complete = last;
            WakeHosts();
        }
    }

    /// <summary>Under the lock.</summary>
    private void WakeHosts()
    {
        _publishedSignal?.TrySetResult();
        _publishedSignal = null;
    }

    /// <summary>Under the lock.</summary>
    private void WakeReader()
    {
        _roomSignal?.TrySetResult();
        _roomSignal = null;
        ReturnRingIfUnused();
    }

    /// <summary>Under the lock: once the read is over and no host is in the fan-out, nothing can touch the blocks.</summary>
    private void ReturnRingIfUnused()
    {
        if (!_readerDone || _blocks is null || _shares.Exists(s => s.InFanOut))
        {
            return;
        }

        foreach (var block in _blocks)
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        _blocks = null;
    }

    /// <summary>
    /// A host's next block: waits until it is read, then marks the host busy with it (it is not refilled
    /// until <see cref="Release"/>). Empty at the end of the file.
    /// </summary>
    /// <exception cref="ContentMismatchException">The cached file is damaged.</exception>
    /// <exception cref="IOException">The host left the shared read, or the file could not be read.</exception>
    /// <exception cref="OperationCanceledException">The sync or this read was cancelled.</exception>
    private async ValueTask<ReadOnlyMemory<byte>> BorrowAsync(Share share, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (share.State != ShareState.Joined || !share.InFanOut)
                {
                    throw new IOException("This host left the shared read of the cached file.");
                }

                if (_failure is not null)
                {
                    throw FailureFor(_failure);
                }

                if (share.Next < _published)
                {
                    share.Busy = true;
                    var slot = (int)(share.Next % _blocks!.Length);
                    return _blocks[slot].AsMemory(0, _lengths![slot]);
                }

                if (_complete)
                {
                    return ReadOnlyMemory<byte>.Empty;
                }

                _publishedSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _publishedSignal.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A host is done copying from its block for now; <paramref name="finished"/>: it has all of it.</summary>
    private void Release(Share share, bool finished)
    {
        lock (_lock)
        {
            if (!share.Busy)
            {
                return;
            }

            share.Busy = false;
            if (finished)
            {
                share.Next++;
            }

            if (share.LeaveWhenIdle)
            {
                share.LeaveWhenIdle = false;
                share.InFanOut = false;
            }

            WakeReader();
        }
    }

    /// <summary>What a host's read throws when the shared read failed: an error of its own, the cause kept.</summary>
    private Exception FailureFor(Exception failure) => failure switch
    {
        ContentMismatchException mismatch => mismatch.Renew(),
        OperationCanceledException canceled => new OperationCanceledException("The sync was cancelled.", canceled, _cancellationToken),
        _ => new IOException($"Reading {Describe(_content.Hash)} failed: {failure.Message}", failure),
    };

    /// <summary>One host's view of the shared read: each block once, in order, copied out or lent.</summary>
    private sealed class SharedBlockStream(CacheFileBroadcast owner, Share share) : ReadOnlyStream, IBlockLendingStream
    {
        private int _offset;
        private bool _lent;
        private bool _disposed;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ReturnLent();
            if (buffer.IsEmpty)
            {
                return 0;
            }

            var block = await owner.BorrowAsync(share, cancellationToken).ConfigureAwait(false);
            if (block.IsEmpty)
            {
                return 0;
            }

            var count = Math.Min(buffer.Length, block.Length - _offset);
            block.Span.Slice(_offset, count).CopyTo(buffer.Span);
            _offset += count;
            var finished = _offset == block.Length;
            if (finished)
            {
                _offset = 0;
            }

            owner.Release(share, finished);
            return count;
        }

        public async ValueTask<ReadOnlyMemory<byte>> LendNextAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ReturnLent();
            var block = await owner.BorrowAsync(share, cancellationToken).ConfigureAwait(false);
            if (block.IsEmpty)
            {
                return block;
            }

            _lent = true;
            var rest = block[_offset..];
            _offset = 0;
            return rest;
        }

        /// <summary>The block lent last is done with (the caller asked for more).</summary>
        private void ReturnLent()
        {
            if (_lent)
            {
                _lent = false;
                owner.Release(share, finished: true);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                // A block lent and not asked past is not finished: the host is leaving anyway.
                if (_lent)
                {
                    _lent = false;
                    owner.Release(share, finished: false);
                }

                owner.Leave(share);
            }

            base.Dispose(disposing);
        }
    }
}
