namespace CloudManager.Cache;

/// <summary>
/// Serializes changes to one cache folder: among the threads of this process (a semaphore) and
/// among processes (an exclusive lock on a file inside the folder, released by the system if the
/// holder dies).
/// </summary>
internal sealed class CacheGate : IDisposable
{
    private readonly SemaphoreSlim _local = new(1, 1);
    private readonly string _lockPath;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    internal CacheGate(string lockPath, TimeSpan timeout, TimeProvider time)
    {
        _lockPath = lockPath;
        _timeout = timeout;
        _time = time;
    }

    internal async Task<Held> EnterAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        if (!await _local.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new CacheLockedException(_lockPath, _timeout);
        }

        try
        {
            var delay = TimeSpan.FromMilliseconds(5);
            while (true)
            {
                try
                {
                    // On Unix, FileShare.None takes flock(LOCK_EX): exclusive among processes, dropped when the process dies.
                    var handle = new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    return new Held(this, handle);
                }
                catch (Exception e) when (e is UnauthorizedAccessException || CacheStorageException.IsDiskRefusal(e))
                {
                    // A read-only or full file system, or a folder this user may not enter, is no other
                    // process's lock: waiting would not help.
                    throw CacheStorageException.For(Path.GetDirectoryName(_lockPath)!, "the lock file", e);
                }
                catch (IOException) when (_time.GetElapsedTime(started) < _timeout)
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
                }
                catch (IOException)
                {
                    throw new CacheLockedException(_lockPath, _time.GetElapsedTime(started));
                }
            }
        }
        catch
        {
            _local.Release();
            throw;
        }
    }

    public void Dispose() => _local.Dispose();

    internal sealed class Held : IDisposable
    {
        private CacheGate? _gate;
        private readonly FileStream _handle;

        internal Held(CacheGate gate, FileStream handle)
        {
            _gate = gate;
            _handle = handle;
        }

        public void Dispose()
        {
            var gate = Interlocked.Exchange(ref _gate, null);
            if (gate is null)
            {
                return;
            }

            _handle.Dispose();
            gate._local.Release();
        }
    }
}
