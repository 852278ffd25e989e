using System.Data.Common;

namespace CloudManager.Catalog;

/// <summary>
/// One statement run many times in a transaction with new parameter values: prepared once, on its
/// first run, so that the database parses its text once instead of once per row.
/// </summary>
internal sealed class RepeatedCommand : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly DbParameter[] _bound;
    private bool _prepared;

    /// <summary>A command whose parameters <c>@name</c> for each of <paramref name="names"/> take new values per run; <paramref name="fixedParameters"/> keep theirs.</summary>
    public RepeatedCommand(
        DbConnection connection, DbTransaction transaction, string sql, IReadOnlyList<string> names, params (string Name, object? Value)[] fixedParameters)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        _command.Transaction = transaction;
        foreach (var (name, value) in fixedParameters)
        {
            Add(name, value);
        }

        _bound = [.. names.Select(name => Add(name, null))];
    }

    /// <summary>Sets the values of the next run, in the order of the names given at creation (null for SQL NULL).</summary>
    public RepeatedCommand Bind(params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < _bound.Length; i++)
        {
            _bound[i].Value = values[i] ?? DBNull.Value;
        }

        return this;
    }

    /// <summary>Runs the statement with the values bound last; returns the rows it changed.</summary>
    public async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
    {
        await PrepareOnceAsync(cancellationToken).ConfigureAwait(false);
        return await _command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the statement with the values bound last; the caller disposes the reader before the next run.</summary>
    public async Task<DbDataReader> ExecuteReaderAsync(CancellationToken cancellationToken)
    {
        await PrepareOnceAsync(cancellationToken).ConfigureAwait(false);
        return await _command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _command.DisposeAsync();

    // After the first values are bound: a server that types the parameters of a prepared statement takes the types from them.
    private async Task PrepareOnceAsync(CancellationToken cancellationToken)
    {
        if (!_prepared)
        {
            await _command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            _prepared = true;
        }
    }

    private DbParameter Add(string name, object? value)
    {
        var parameter = _command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        _command.Parameters.Add(parameter);
        return parameter;
    }
}
