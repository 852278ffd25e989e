using CloudManager.Cli.Configuration;
using CloudManager.Cli.Hosts;
using CloudManager.Cli.Output;
using CloudManager.Eviction;
using CloudManager.Hosts;
using Microsoft.Extensions.Logging;

namespace CloudManager.Cli;

/// <summary>Opens the pool the settings describe, creating the embedded default's folders on first use.</summary>
internal static class PoolOpener
{
    /// <summary>
    /// Opens the pool: catalog checked, cache folder reconciled, ready for every operation. What the
    /// reconciliation must tell a person (files registered again as pending, files moved to
    /// quarantine, a new or empty catalog beside a full cache) is printed as warnings on stderr, even with <c>--quiet</c>,
    /// unless <paramref name="reportCacheRepairs"/> is false (the gateway logs them itself).
    /// </summary>
    public static async Task<CloudPool> OpenAsync(
        PoolSettings settings, HostRegistry registry, CliConsole console, ILogger logger, CancellationToken cancellationToken, bool reportCacheRepairs = true)
    {
        var pool = await CreateAsync(settings, registry, console, logger, open: true, cancellationToken);
        if (reportCacheRepairs)
        {
            foreach (var notice in (await pool.GetReconciliationAsync(cancellationToken)).Notices())
            {
                console.WarnAlways(notice);
            }
        }

        return pool;
    }

    /// <summary>
    /// The pool, not opened yet and without hosts: for one-shot questions to the catalog (exists,
    /// on-cache, info), so they do not scan the cache folder, take its lock or build host clients.
    /// </summary>
    public static Task<CloudPool> CreateLazyAsync(
        PoolSettings settings, HostRegistry registry, CliConsole console, ILogger logger, CancellationToken cancellationToken) =>
        CreateAsync(settings, registry, console, logger, open: false, cancellationToken);

    private static async Task<CloudPool> CreateAsync(
        PoolSettings settings, HostRegistry registry, CliConsole console, ILogger logger, bool open, CancellationToken cancellationToken)
    {
        EnsureCatalogExists(settings);
        if (settings.IsEmbeddedDefault)
        {
            PrepareEmbeddedDefault(settings, console);
        }

        var hosts = new List<IStorageHost>();
        try
        {
            // The one-shot questions never reach a host: leave them unbuilt (and their clients unloaded).
            foreach (var definition in open ? settings.Hosts : [])
            {
                hosts.Add(registry.Create(definition));
            }

            var options = new CloudPoolOptions
            {
                Catalog = settings.Catalog.Open(),
                StoragePath = settings.StoragePath,
                CapacityBytes = settings.Capacity,
                MaxFill = settings.MaxFill,
                EvictionPolicy = EvictionPolicies.FromName(settings.EvictionPolicy),
                Redundancy = settings.Redundancy,
                MinCopies = settings.MinCopies,
                NodeId = settings.NodeId,
                // Filled only by the gateway's downloads; other commands never touch it.
                MemoryCacheBytes = settings.Gateway?.MemoryCache ?? CloudPoolOptions.DefaultMemoryCacheBytes,
                Logger = logger,
            };
            if (settings.ClockOffset is { } offset)
            {
                options.TimeProvider = new OffsetClock(TimeProvider.System, offset);
                console.Warn(
                    $"{EnvironmentNames.ClockOffset} is set: this node's clock runs {ClockOffset.Describe(offset)} of the machine's. It is a test knob: unset it unless you are trying a node with a wrong clock.");
            }

            foreach (var host in hosts)
            {
                options.Hosts.Add(host);
            }

            hosts.Clear();
            return open ? await CloudPool.OpenAsync(options, cancellationToken) : new CloudPool(options);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"Invalid settings: {ErrorDescriptions.Plain(e)}");
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>A catalog named explicitly must exist: a typo must not silently start an empty pool.</summary>
    public static void EnsureCatalogExists(PoolSettings settings)
    {
        if (settings.IsCatalogExplicit && settings.Catalog.FilePath is { } path && !File.Exists(path))
        {
            throw new CliException(
                ExitCodes.Failed,
                $"catalog not found at {path} (from {settings.Catalog.Source}): run `cm setup-db {path}` or pass --db.");
        }
    }

    private static void PrepareEmbeddedDefault(PoolSettings settings, CliConsole console)
    {
        var firstRun = !Directory.Exists(settings.DataFolder);
        // Only the default's own folders: a folder named by CM_HOST_* is somebody's disk, and a missing one means unmounted.
        foreach (var host in EmbeddedDefault.Hosts(settings.DataFolder))
        {
            var folder = host.Settings["path"];
            if (File.Exists(folder))
            {
                throw new CliException(
                    ExitCodes.Failed,
                    $"host '{host.Name}' of the embedded default keeps its copies in the folder {folder}, but a file is there. Nothing was changed: move the file away, or write a config with other hosts (`cm init`).");
            }

            Directory.CreateDirectory(folder);
        }

        if (firstRun)
        {
            console.Info(
                $"cm: no config file found, so the catalog, cache and {settings.Hosts.Count} directory hosts live in {settings.DataFolder}; run `cm init` to write a config file you can change.");
        }
    }
}
