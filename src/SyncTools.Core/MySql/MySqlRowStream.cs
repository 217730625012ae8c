using System.Data.Common;

namespace SyncTools.Core.MySql;

/// <summary>
/// A long result set read row by row under the command's timeout as the driver counts it (each call that waits for the
/// server gets the whole timeout; the caller's time between calls does not count), but kept by one timer here instead of
/// the driver's. MySqlConnector sets and clears a timer on one process-wide, locked queue at every row read; with two
/// tables read side by side that took about a sixth of the client's CPU. Here a row costs two clock reads, and a timer looks every second (or every quarter of the timeout)
/// whether the server has kept the reader waiting longer than the timeout; then the read is cancelled (the driver kills
/// the query) and fails as a <see cref="TimeoutException"/>, which the jobs treat as transient.
/// </summary>
public sealed class MySqlRowStream : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly CancellationTokenSource _stop;
    private readonly Timer? _timer;
    private readonly long _timeoutMs;
    private DbDataReader? _reader;

    /// <summary>When the reader began its wait for the server (Environment.TickCount64); long.MaxValue while it waits for none.</summary>
    private long _waitingSince = long.MaxValue;

    private volatile bool _timedOut;

    /// <summary>Takes over <paramref name="command"/>'s timeout (its own, else the connection string's Default Command Timeout; 0 for none).</summary>
    public MySqlRowStream(DbCommand command, CancellationToken cancellationToken)
    {
        (_command, _timeoutMs) = (command, command.CommandTimeout * 1000L);
        command.CommandTimeout = 0;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeoutMs > 0)
        {
            var period = TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(50, _timeoutMs / 4)));
            _timer = new Timer(_ => Check(), null, period, period);
        }
    }

    /// <summary>The reader, once <see cref="ExecuteAsync"/> has run.</summary>
    public DbDataReader Reader => _reader ?? throw new InvalidOperationException("The command has not been executed.");

    public async ValueTask<DbDataReader> ExecuteAsync() => _reader = await Timed(_command.ExecuteReaderAsync(_stop.Token)).ConfigureAwait(false);

    /// <summary>The next row; false after the last.</summary>
    public ValueTask<bool> ReadAsync() => Timed(Reader.ReadAsync(_stop.Token));

    private async ValueTask<T> Timed<T>(Task<T> wait)
    {
        Volatile.Write(ref _waitingSince, Environment.TickCount64);
        try
        {
            return await wait.ConfigureAwait(false);
        }
        catch (Exception e) when (_timedOut)
        {
            throw new TimeoutException($"The server sent nothing for {_timeoutMs / 1000} s, the command timeout (Default Command Timeout in the connection string sets it).", e);
        }
        finally
        {
            Volatile.Write(ref _waitingSince, long.MaxValue); // the caller's time between rows is not the server's
        }
    }

    private void Check()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _waitingSince) <= _timeoutMs || _stop.IsCancellationRequested) return;
        _timedOut = true;
        _stop.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
