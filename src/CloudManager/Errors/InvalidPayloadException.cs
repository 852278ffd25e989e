namespace CloudManager;

/// <summary>Sync data given to <c>CloudPool.DataLoadAsync</c> is not valid; nothing was imported.</summary>
public sealed class InvalidPayloadException : CloudPoolException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="recordIndex">Zero-based index of the offending record, or -1 when the document as a whole is wrong.</param>
    /// <param name="field">The JSON field at fault, or null when the record as a whole is wrong.</param>
    /// <param name="problem">What is wrong, in a sentence.</param>
    /// <param name="innerException">The parser error, if any.</param>
    public InvalidPayloadException(int recordIndex, string? field, string problem, Exception? innerException = null)
        : base(Describe(recordIndex, field, problem), innerException)
    {
        RecordIndex = recordIndex;
        Field = field;
        Problem = problem;
    }

    /// <summary>Zero-based index of the offending record, or -1 when the document as a whole is wrong.</summary>
    public int RecordIndex { get; }

    /// <summary>The JSON field at fault, or null.</summary>
    public string? Field { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    private static string Describe(int recordIndex, string? field, string problem)
    {
        var where = recordIndex < 0 ? "sync data" : field is null ? $"record {recordIndex}" : $"record {recordIndex}, field '{field}'";
        return $"Invalid {where}: {problem} Nothing was imported.";
    }
}
