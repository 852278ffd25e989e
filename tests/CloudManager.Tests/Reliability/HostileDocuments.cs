namespace CloudManager.Tests.Reliability;

/// <summary>
/// Hand-written hostile sync documents, for a pool that knows <see cref="KnownHash"/>: every one must
/// be refused with an <see cref="InvalidPayloadException"/>. The tests import each; the fuzzer starts
/// from them.
/// </summary>
public static class HostileDocuments
{
    /// <summary>The hash the target pool already knows, with size 3.</summary>
    public const string KnownHash = "1111111111111111111111111111111111111111111111111111111111111111";

    /// <summary>A hash the target pool does not know.</summary>
    public const string OtherHash = "2222222222222222222222222222222222222222222222222222222222222222";

    /// <summary>One record of version 0.2 with the given raw JSON values.</summary>
    public static string Record(string hash = OtherHash, string size = "10", string name = "\"a.txt\"", string version = "\"0.2\"", string datetime = "\"1391212800\"", string uploads = """[{"host_name":"disk-b","url":"ab/cd"}]""") =>
        $$"""{"version":{{version}},"datetime":{{datetime}},"filename":{{name}},"filesize":{{size}},"filehash":"{{hash}}","uploads":{{uploads}}}""";

    /// <summary>
    /// Documents whose one record has a name no node may take in: the record is refused alone (listed
    /// in the load's report), so nothing is imported, and the document is not an error.
    /// </summary>
    public static IReadOnlyList<(string Json, string What)> BadNames { get; } =
    [
        ($"[{Record(name: "\"../../../etc/passwd\"")}]", "path traversal"),
        ($"[{Record(name: "\"..\\\\..\\\\boot.ini\"")}]", "backslash traversal"),
        ($"[{Record(name: "\"/etc/shadow\"")}]", "absolute path"),
        ($"[{Record(name: "\"a\\u0000b\"")}]", "NUL in a name"),
        ($"[{Record(name: "\"line\\nbreak\"")}]", "newline in a name"),
        ($"[{Record(name: "\"esc\\u001b[31m\"")}]", "terminal escape in a name"),
        ($"[{Record(name: $"\"{new string('x', 256)}\"")}]", "over-long name"),
        ($"[{Record(name: "\"invoice\\u202Efdp.exe\"")}]", "right-to-left override in a name"),
        ($"[{Record(name: "\"zero\\u200Bwidth\"")}]", "zero-width space in a name"),
        ($"[{Record(name: "\"line\\u2028sep\"")}]", "line separator in a name"),
    ];

    /// <summary>Each document with what it tries.</summary>
    public static IReadOnlyList<(string Json, string What)> All { get; } =
    [
        ($"[{Record(name: "\"\\udfff.txt\"")}]", "unpaired surrogate in a name"),
        ($"[{Record(size: "-1")}]", "negative size"),
        ($"[{Record(size: "9223372036854775807")}]", "long.MaxValue size"),
        ($"[{Record(size: "1e400")}]", "size beyond double"),
        ($"[{Record(size: "\"99999999999999999999\"")}]", "size string beyond long"),
        ($"[{Record(size: "18446744073709551616")}]", "size beyond ulong"),
        ($"[{Record(size: "0.5")}]", "fractional size"),
        ($"[{Record(datetime: "-62135596801")}]", "date before year 1"),
        ($"[{Record(datetime: "\"1e10\"")}]", "date in exponent form"),
        ($"[{Record(size: "10")},{Record(size: "11")}]", "one hash, two sizes in one document"),
        ($"[{Record(KnownHash, size: "999")}]", "a size that contradicts the catalog"),
        ($"[{Record(size: "[10]")}]", "array as size"),
        ($"[{Record(name: "{}")}]", "object as name"),
        ($"[{Record(uploads: "\"disk-b\"")}]", "string as uploads"),
        ($"[{Record(uploads: "[[]]")}]", "array as upload"),
        ($"[{Record(uploads: """[{"host_name":7,"url":"x"}]""")}]", "number as host name"),
        ($"[{Record(uploads: """[{"host_name":"h","url":null}]""")}]", "null URL"),
        ($"[{Record(version: "\"0.3\"")}]", "unknown version"),
        ($"[{Record(version: "\"9.9.9\"")}]", "far future version"),
        ($"[{Record(version: "0.2")}]", "version as number"),
        ($"[{Record(hash: new string('g', 64))}]", "hash with non-hex digits"),
        ($"[{Record(hash: KnownHash.ToUpperInvariant() + "0")}]", "hash of 65 digits"),
        ($"[{Record()},{Record(hash: KnownHash, size: "5")}, 42]", "valid records before a bad one"),
        ($"[{Record()}", "truncated document"),
        ("{\"records\":[]}", "object instead of array"),
        (new string('[', 10_000) + new string(']', 10_000), "10,000 levels of nesting"),
        ("[" + string.Concat(Enumerable.Repeat("{\"a\":", 500)) + "1" + new string('}', 500) + "]", "500 nested objects"),
        ($"[{Record().Replace("\"filehash\"", "\"\\ud800filehash\"", StringComparison.Ordinal)}]", "unpaired surrogate in a property name"),
        ("\ud800[]", "unpaired surrogate outside any string"),
        ("", "empty text"),
        ("\uFEFF[]", "byte-order mark"),
    ];
}
