using CloudManager.Hosts;

namespace CloudManager.Cli.Commands;

/// <summary>
/// Asks a host whether it answers, with a presence check of content that cannot be there: a host
/// that cannot be reached throws <see cref="HostUnavailableException"/> instead of answering.
/// </summary>
internal static class HostProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Null when the host answered; otherwise why not.</summary>
    public static async Task<string?> ProbeAsync(IStorageHost host, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var probe = new ContentRef(ContentHash.Compute([]), 0);
        try
        {
            await host.ExistsAsync(probe, new HostLocator("probe"), timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {Timeout.TotalSeconds:0} s";
        }
        catch (StorageHostException e)
        {
            return e.Message;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>One word for people: ok, failing (recent transfers failed) or unreachable.</summary>
    public static string Health(string? probeError, Catalog.HostHealth history) =>
        probeError is not null ? "unreachable"
        : history.ConsecutiveFailures > 0 ? "failing"
        : "ok";
}
