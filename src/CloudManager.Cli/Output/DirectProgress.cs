namespace CloudManager.Cli.Output;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls back at once on the reporting thread;
/// <see cref="Progress{T}"/> would post each report to the thread pool and let them arrive out of order.
/// </summary>
internal sealed class DirectProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
