using System.Data.Common;
using SyncTools.Core.MySql;

namespace SyncTools.Core.OrgSync;

/// <summary>
/// The run's connections: the source one inside a read-only transaction with a consistent snapshot, the target one in
/// autocommit (each batch is one statement), and a second target one that streams a table's rows while the first
/// writes. After a transient failure all are dropped and reopened.
/// </summary>
internal sealed class OrgSyncConnections(OrgSyncOptions options) : IAsyncDisposable
{
    private DbConnection? _source;
    private DbConnection? _target;
    private DbConnection? _targetReader;

    public async Task<DbConnection> SourceAsync(CancellationToken cancellationToken)
    {
        if (_source is not null) return _source;
        var connection = await options.Source.ForReading().WithDatabase(options.SourceDatabase).OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return _source = connection;
    }

    public async Task<DbConnection> TargetAsync(CancellationToken cancellationToken) =>
        _target ??= await options.Target.WithDatabase(options.TargetDatabase).OpenAsync(cancellationToken).ConfigureAwait(false);

    public async Task<DbConnection> TargetReaderAsync(CancellationToken cancellationToken) =>
        _targetReader ??= await options.Target.ForReading().WithDatabase(options.TargetDatabase).OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Ends the read-only transaction (it changed nothing). A connection lost after its last read (its rows had all
    /// arrived) ended the transaction with it: it is dropped, and the run, whose reads were whole, is not failed for it.
    /// </summary>
    public async Task CommitSourceAsync(CancellationToken cancellationToken)
    {
        if (_source is null) return;
        try
        {
            await ExecuteAsync(_source, "COMMIT", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MySqlSource.IsTransient(e))
        {
            MySqlSource.DiscardPooled(_source);
            await _source.DisposeAsync().ConfigureAwait(false);
            _source = null;
        }
    }

    /// <summary>Drops the connections and their pools, for a retry to start on fresh ones.</summary>
    public ValueTask ResetAsync() => CloseAsync(discard: true);

    public ValueTask DisposeAsync() => CloseAsync(discard: false);

    private async ValueTask CloseAsync(bool discard)
    {
        if (_source is not null && !discard)
        {
            // A pooled connection keeps its session until reused: the snapshot transaction (and the metadata locks it
            // holds on the source tables) must end here, not when the pool gets round to resetting it.
            try { await ExecuteAsync(_source, "ROLLBACK", CancellationToken.None).ConfigureAwait(false); }
            catch (Exception) { MySqlSource.DiscardPooled(_source); } // a session that cannot end its transaction is not pooled again
        }

        foreach (var connection in new[] { _source, _target, _targetReader })
        {
            if (connection is null) continue;
            if (discard) MySqlSource.DiscardPooled(connection);
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        (_source, _target, _targetReader) = (null, null, null);
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
