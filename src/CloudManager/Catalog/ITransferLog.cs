namespace CloudManager.Catalog;

/// <summary>
/// The transfer meter: the bytes each node brought in and sent out, by month (UTC).
/// </summary>
/// <remarks>One role of <see cref="ICatalog"/>, which describes the transactions, concurrency and errors of every method.</remarks>
public interface ITransferLog
{
    /// <summary>Adds to a node's meter for the month of <paramref name="now"/> (UTC).</summary>
    Task AddTransferAsync(string nodeId, long incomingBytes, long outgoingBytes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A node's meter: for one month (<c>YYYY-MM</c>), or in total when <paramref name="month"/> is null.</summary>
    Task<TransferTotals> GetTransfersAsync(string nodeId, string? month, CancellationToken cancellationToken);
}
