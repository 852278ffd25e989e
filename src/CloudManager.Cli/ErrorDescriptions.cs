namespace CloudManager.Cli;

/// <summary>
/// The one place where failures become an exit code and a line for the user that says what went
/// wrong and what to do.
/// </summary>
internal static class ErrorDescriptions
{
    public static (int ExitCode, string Message) Describe(Exception exception) => exception switch
    {
        CliException e => (e.ExitCode, e.Message),
        UnknownContentException e => (ExitCodes.NotFound, $"{e.Message} Check the hash; `cm list` shows the files this pool knows."),
        CacheFullException e => (ExitCodes.CacheFull, $"{e.Message} (--capacity, {EnvironmentNames.Capacity} or \"{Configuration.ConfigJson.KeyOf(nameof(Configuration.ConfigDocument.Capacity))}\" in the config)."),
        ContentUnavailableException e => (ExitCodes.HostUnreachable, $"{e.Message} Check the hosts with `cm hosts`, then try again."),
        ContentIntegrityException e => (ExitCodes.DataInvalid, e.Message),
        HostUnavailableException e => (ExitCodes.HostUnreachable, $"{e.Message} Check the hosts with `cm hosts`, then try again."),
        StorageHostException e => (e.IsTransient ? ExitCodes.HostUnreachable : ExitCodes.Failed, e.Message),
        InvalidPayloadException e => (ExitCodes.DataInvalid, e.Message),
        DestinationRefusedException e => (ExitCodes.Usage, e.Message),
        CatalogVersionException e => (ExitCodes.Failed, e.Message),
        CatalogException e => (ExitCodes.Failed, $"Catalog error: {e.Message}{Inner(e)}"),
        HostConfigurationException e => (ExitCodes.Usage, $"{e.Message}{Environment.NewLine}Nothing was written. Fix the hosts in the config (`cm hosts` lists them)."),
        CloudPoolException e => (ExitCodes.Failed, e.Message),
        FileNotFoundException e => (ExitCodes.NotFound, e.Message),
        DirectoryNotFoundException e => (ExitCodes.NotFound, e.Message),
        UnauthorizedAccessException e => (ExitCodes.Failed, $"Permission denied: {e.Message}"),
        IOException e => (ExitCodes.Failed, e.Message),
        ArgumentException e => (ExitCodes.Usage, Plain(e)),
        InvalidOperationException e => (ExitCodes.Failed, e.Message),
        _ => (ExitCodes.Failed, $"Unexpected error ({exception.GetType().Name}): {exception.Message} Run again with -v for details."),
    };

    /// <summary>
    /// The message of an <see cref="ArgumentException"/> as its thrower wrote it: without the
    /// <c>(Parameter 'NAME')</c> the runtime appends, nor the <c>Actual value was</c> line of an
    /// <see cref="ArgumentOutOfRangeException"/>, so that it fits on one line.
    /// </summary>
    public static string Plain(ArgumentException e)
    {
        var message = e.Message;
        if (e is ArgumentOutOfRangeException && message.IndexOf('\n', StringComparison.Ordinal) is var end and >= 0)
        {
            message = message[..end].TrimEnd('\r');
        }

        var suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    private static string Inner(Exception e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $" ({inner.Message})" : "";
}
