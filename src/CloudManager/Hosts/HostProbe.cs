namespace CloudManager.Hosts;

/// <summary>
/// Asks a host whether it answers, with a presence check of content that cannot be there: a host
/// that cannot be reached throws <see cref="HostUnavailableException"/> instead of answering. An
/// encrypted host's identity marker is read too, so a wrong key fails the probe.
/// </summary>
public static class HostProbe
{
    /// <summary>How long a probe waits for an answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Probes a host.</summary>
    /// <param name="host">The host.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>Null when the host answered (or cannot be asked); otherwise why not.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<string?> ProbeAsync(IStorageHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var probe = new ContentRef(ContentHash.Compute([]), 0);
        try
        {
            await host.ExistsAsync(probe, new HostLocator("probe"), timeout.Token).ConfigureAwait(false);
            if (host.Capabilities.Encrypted)
            {
                // An encrypted host answers only if its key is the one it was set up with (HostKeyException otherwise).
                await host.ReadMarkerAsync(timeout.Token).ConfigureAwait(false);
            }

            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {Timeout.TotalSeconds:0} s";
        }
        catch (NotSupportedException)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a host throws, it did not answer.
            return e.Message;
        }
    }
}
