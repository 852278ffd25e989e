namespace CloudManager.IO;

/// <summary>Runs work that blocks on the disk on a few dedicated threads, away from the thread pool.</summary>
internal static class DiskThreads
{
    /// <summary>
    /// Threads that copy and flush the files of a batch. A flush mostly waits for the disk, and
    /// flushes issued together share the file system's journal commits, so a few more threads than
    /// cores keep the disk busy without crowding the processor.
    /// </summary>
    internal const int Count = 4;

    /// <summary>Runs <paramref name="work"/> for 0 ≤ i &lt; <paramref name="count"/> on up to <see cref="Count"/> dedicated threads: the work blocks on the disk, which must not hold the thread pool.</summary>
    internal static Task RunAsync(int count, Action<int> work, CancellationToken cancellationToken) =>
        RunAsync(count, (i, _) => work(i), cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/>(i, thread) for 0 ≤ i &lt; <paramref name="count"/> on up to <see cref="Count"/> dedicated
    /// threads, each passing its own number (0 ≤ thread &lt; <see cref="Count"/>): work that should not share a lock with
    /// the other threads' (such as the folder it creates files in) can pick its own by it.
    /// </summary>
    internal static Task RunAsync(int count, Action<int, int> work, CancellationToken cancellationToken)
    {
        var next = -1;
        var threads = new Task[Math.Min(Count, count)];
        for (var t = 0; t < threads.Length; t++)
        {
            var thread = t;
            threads[t] = Task.Factory.StartNew(
                () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        work(i, thread);
                    }
                },
                cancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        return Task.WhenAll(threads);
    }
}
