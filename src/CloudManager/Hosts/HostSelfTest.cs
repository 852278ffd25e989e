using System.Diagnostics;
using System.Security.Cryptography;

namespace CloudManager.Hosts;

/// <summary>
/// Checks a live host before it is trusted with copies (<c>cm hosts test NAME</c>): a never-stored
/// content is reported absent, then a small random file goes up, is found, comes back byte for byte,
/// is deleted and is gone. Non-destructive: it touches nothing but its own random content.
/// </summary>
public static class HostSelfTest
{
    /// <summary>Runs the checks; never throws for what the host does, only reports it.</summary>
    /// <param name="host">The host to test.</param>
    /// <param name="options">Size and time limits; default <see cref="HostSelfTestOptions"/>.</param>
    /// <param name="cancellationToken">Stops the test; the test file is still removed from the host when possible.</param>
    /// <returns>One entry per step, with timings.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static async Task<HostSelfTestReport> RunAsync(IStorageHost host, HostSelfTestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        options ??= new HostSelfTestOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.ContentLength, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ContentLength, 1L << 30, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.StepTimeout, TimeSpan.Zero, nameof(options));
        var steps = new List<HostSelfTestStep>();
        var folder = Path.Combine(options.TempPath ?? Path.GetTempPath(), $"cm-host-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "test.bin");
            var content = await WriteRandomFileAsync(path, options.ContentLength, cancellationToken).ConfigureAwait(false);
            var run = new Run(host, options, steps, cancellationToken);
            var absent = new ContentRef(ContentHash.Compute(RandomNumberGenerator.GetBytes(32)), 32);
            // An encrypted host is tried only with the key it was set up with: a wrong key fails here, before anything is written.
            if (host.Capabilities.Encrypted && !await run.StepAsync("key", async token =>
                {
                    _ = await host.ReadMarkerAsync(token).ConfigureAwait(false);
                    return null;
                }, "the host's identity marker accepts this key (or the host has none yet)").ConfigureAwait(false))
            {
                return run.Finish("probe", "upload", "exists", "read back", "delete", "gone");
            }

            if (!await run.StepAsync("probe", async token => await host.ExistsAsync(absent, new HostLocator(ContentKeys.Of(absent.Hash)), token).ConfigureAwait(false)
                    ? "the host says it holds content that was never stored"
                    : null, "answers, and reports never-stored content as absent").ConfigureAwait(false))
            {
                return run.Finish("upload", "exists", "read back", "delete", "gone");
            }

            HostLocator locator = default;
            if (!await run.StepAsync("upload", async token =>
                {
                    locator = await host.UploadAsync(content, path, token).ConfigureAwait(false);
                    return null;
                }, $"stored {content.Length} bytes").ConfigureAwait(false))
            {
                return run.Finish("exists", "read back", "delete", "gone");
            }

            var checkedOut = await run.StepAsync("exists", async token => await host.ExistsAsync(content, locator, token).ConfigureAwait(false)
                    ? null
                    : "the host says the content it just stored is absent", $"found at {locator}").ConfigureAwait(false)
                && await run.StepAsync("read back", token => ReadBackAsync(host, content, locator, token), "came back byte for byte (SHA-256 checked)").ConfigureAwait(false);
            if (!host.Capabilities.CanDelete)
            {
                steps.Add(new HostSelfTestStep("delete", HostSelfTestOutcome.Skipped, TimeSpan.Zero, $"the host cannot delete; the test copy stays at {locator}"));
                return run.Finish("gone");
            }

            // Remove the test copy even when a check failed: the test leaves nothing behind.
            var deleted = await run.StepAsync("delete", async token =>
            {
                await host.DeleteAsync(content, locator, token).ConfigureAwait(false);
                return null;
            }, "removed", evenAfterFailure: true).ConfigureAwait(false);
            if (deleted && checkedOut)
            {
                await run.StepAsync("gone", async token => await host.ExistsAsync(content, locator, token).ConfigureAwait(false)
                    ? "the host still reports the deleted content"
                    : null, "reported absent after the delete").ConfigureAwait(false);
            }

            return run.Finish("gone");
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string?> ReadBackAsync(IStorageHost host, ContentRef content, HostLocator locator, CancellationToken cancellationToken)
    {
        var stream = await host.OpenReadAsync(content, locator, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            long length = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }

            var hash = ContentHash.FromBytes(sha.GetHashAndReset());
            return length == content.Length && hash == content.Hash
                ? null
                : $"the host sent {length} bytes hashing to {hash} instead of {content.Length} bytes hashing to {content.Hash}";
        }
    }

    private static async Task<ContentRef> WriteRandomFileAsync(string path, long length, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[1 << 16];
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            for (long written = 0; written < length; written += block.Length)
            {
                var n = (int)Math.Min(block.Length, length - written);
                RandomNumberGenerator.Fill(block.AsSpan(0, n));
                sha.AppendData(block, 0, n);
                await file.WriteAsync(block.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }

        return new ContentRef(ContentHash.FromBytes(sha.GetHashAndReset()), length);
    }

    /// <summary>The steps of one run: each timed, limited and recorded.</summary>
    private sealed class Run(IStorageHost host, HostSelfTestOptions options, List<HostSelfTestStep> steps, CancellationToken cancellationToken)
    {
        private bool _failed;

        /// <summary>Runs a check that returns null when it passes, or what went wrong.</summary>
        public async Task<bool> StepAsync(string name, Func<CancellationToken, Task<string?>> check, string success, bool evenAfterFailure = false)
        {
            if (_failed && !evenAfterFailure)
            {
                steps.Add(new HostSelfTestStep(name, HostSelfTestOutcome.Skipped, TimeSpan.Zero, "an earlier step failed"));
                return false;
            }

            // A cancelled test still removes its copy: the clean-up step gets a token of its own.
            using var limit = evenAfterFailure ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(options.StepTimeout);
            var started = options.TimeProvider.GetTimestamp();
            string? problem;
            try
            {
                problem = await check(limit.Token).WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                problem = cancellationToken.IsCancellationRequested && !evenAfterFailure ? "cancelled" : $"no answer within {options.StepTimeout.TotalSeconds:0.#} s";
            }
            catch (Exception e) when (e is StorageHostException or NotSupportedException or IOException or UnauthorizedAccessException)
            {
                problem = $"{e.GetType().Name}: {e.Message}";
            }

            var elapsed = options.TimeProvider.GetElapsedTime(started);
            steps.Add(new HostSelfTestStep(name, problem is null ? HostSelfTestOutcome.Passed : HostSelfTestOutcome.Failed, elapsed, problem ?? success));
            _failed |= problem is not null;
            return problem is null;
        }

        /// <summary>Marks the steps that did not run; throws when the caller cancelled, once the clean-up has run.</summary>
        public HostSelfTestReport Finish(params string[] skipped)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var name in skipped.Where(n => steps.All(s => s.Name != n)))
            {
                steps.Add(new HostSelfTestStep(name, HostSelfTestOutcome.Skipped, TimeSpan.Zero, "an earlier step failed"));
            }

            return new HostSelfTestReport(host.Name, host.Kind, steps);
        }
    }
}
