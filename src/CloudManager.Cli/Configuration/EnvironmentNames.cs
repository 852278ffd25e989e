using System.Text;

namespace CloudManager.Cli;

/// <summary>The environment variables <c>cm</c> reads; they override the config file.</summary>
internal static class EnvironmentNames
{
    public const string Config = "CM_CONFIG";
    public const string Database = "CM_DB";
    public const string Storage = "CM_STORAGE";
    public const string Capacity = "CM_CAPACITY";
    public const string MaxFill = "CM_MAX_FILL";
    public const string EvictionPolicy = "CM_EVICTION_POLICY";
    public const string Redundancy = "CM_REDUNDANCY";
    public const string MinCopies = "CM_MIN_COPIES";
    public const string NodeId = "CM_NODE_ID";
    public const string GatewayToken = "CM_GATEWAY_TOKEN";
    public const string GatewayTokenFile = "CM_GATEWAY_TOKEN_FILE";
    public const string GatewayUrls = "CM_GATEWAY_URLS";
    public const string GatewayMaxUploadSize = "CM_GATEWAY_MAX_UPLOAD_SIZE";
    public const string GatewayMonthlyIncomingLimit = "CM_GATEWAY_MONTHLY_INCOMING_LIMIT";
    public const string GatewayMonthlyOutgoingLimit = "CM_GATEWAY_MONTHLY_OUTGOING_LIMIT";

    /// <summary>A test and diagnostic knob: shifts this node's clock (see <see cref="Configuration.ClockOffset"/>).</summary>
    public const string ClockOffset = "CM_CLOCK_OFFSET";

    /// <summary>The form of <see cref="HostSetting"/>'s names, for help and messages.</summary>
    public const string HostSettingPattern = "CM_HOST_<NAME>_<SETTING>";

    /// <summary>
    /// The variable that sets one host's setting, and the only place its secrets may come from:
    /// <c>CM_HOST_&lt;NAME&gt;_&lt;SETTING&gt;</c>, upper case, with every other character an
    /// underscore and camelCase split (<c>host-1</c>, <c>maxConcurrentTransfers</c> →
    /// <c>CM_HOST_HOST_1_MAX_CONCURRENT_TRANSFERS</c>).
    /// </summary>
    public static string HostSetting(string hostName, string setting) => $"CM_HOST_{Upper(hostName)}_{Upper(setting)}";

    private static string Upper(string text)
    {
        var result = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsUpper(c) && i > 0 && char.IsLower(text[i - 1]))
            {
                result.Append('_');
            }

            result.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return result.ToString();
    }
}
