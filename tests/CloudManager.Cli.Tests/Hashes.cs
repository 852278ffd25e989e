using System.Security.Cryptography;

namespace CloudManager.Cli.Tests;

internal static class Hashes
{
    public static string Of(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string OfFile(string path) => Of(File.ReadAllBytes(path));
}
