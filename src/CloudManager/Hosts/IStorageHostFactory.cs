namespace CloudManager.Hosts;

/// <summary>
/// Builds storage hosts of one kind from the <c>settings</c> object of a host in the config file.
/// Registered explicitly in a <see cref="HostRegistry"/>; nothing is discovered by scanning.
/// </summary>
/// <remarks>
/// Settings are strings as the config file gives them. A factory declares every key it accepts once,
/// in <see cref="Options"/>, and reads them with <see cref="HostSettings"/>, which rejects any other
/// key with an <see cref="ArgumentException"/> naming it. A factory never reads a secret from the
/// settings themselves: a secret comes from the environment variable whose name a setting gives (for
/// example <c>"passwordEnv": "POOL_DAV_PASSWORD"</c>), so config files can be shared and printed.
/// </remarks>
public interface IStorageHostFactory
{
    /// <summary>The <c>kind</c> this factory answers to: <c>directory</c>, <c>s3</c>, <c>rclone</c>, <c>webdav</c>, <c>plowshare</c>.</summary>
    string Kind { get; }

    /// <summary>Every setting the kind accepts, with its meaning and default: the one declaration that checks, reading, help and documentation use.</summary>
    IReadOnlyList<HostOption> Options { get; }

    /// <summary>Creates a host. Nothing is contacted yet: an unreachable host is created all the same and fails on use.</summary>
    /// <param name="name">The host's unique name, as stored in the catalog.</param>
    /// <param name="settings">The host's settings, as text.</param>
    /// <exception cref="ArgumentException">A setting is unknown, missing, out of range, or names an environment variable that is not set; the message names it.</exception>
    IStorageHost Create(string name, IReadOnlyDictionary<string, string> settings);
}
