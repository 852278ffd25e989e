using System.Data.Common;
using System.Globalization;

namespace CloudManager.Catalog;

// The transfer meter: one row per node and month. Cache additions and upload attempts add to it
// within their own transactions.
public abstract partial class SqlCatalog : ITransferLog
{
    /// <inheritdoc />
    public Task AddTransferAsync(string nodeId, long incomingBytes, long outgoingBytes, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            await AddTransferAsync(connection, transaction, nodeId, incomingBytes, outgoingBytes, now, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    private static Task AddTransferAsync(
        DbConnection connection, DbTransaction transaction, string nodeId, long incoming, long outgoing, DateTimeOffset now, CancellationToken cancellationToken) =>
        incoming == 0 && outgoing == 0
            ? Task.CompletedTask
            : ExecuteAsync(connection, transaction,
                "INSERT INTO transfers (node_id, month, incoming, outgoing) VALUES (@n, @m, @i, @o) " +
                "ON CONFLICT (node_id, month) DO UPDATE SET incoming = transfers.incoming + excluded.incoming, outgoing = transfers.outgoing + excluded.outgoing",
                cancellationToken, ("n", nodeId), ("m", MonthOf(now)), ("i", incoming), ("o", outgoing));

    /// <inheritdoc />
    public Task<TransferTotals> GetTransfersAsync(string nodeId, string? month, CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var command = month is null
            ? Command(connection, null, "SELECT COALESCE(SUM(incoming), 0), COALESCE(SUM(outgoing), 0) FROM transfers WHERE node_id = @n", ("n", nodeId))
            : Command(connection, null, "SELECT COALESCE(SUM(incoming), 0), COALESCE(SUM(outgoing), 0) FROM transfers WHERE node_id = @n AND month = @m", ("n", nodeId), ("m", month));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new TransferTotals(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }, cancellationToken);
}
