using System.Collections.Concurrent;

namespace SyncTools.Mongo.Wire;

/// <summary>Up to maxPoolSize connections to one server, each lent to one operation at a time.</summary>
internal sealed class ConnectionPool(MongoServerAddress address, MongoUrl url) : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(url.MaxPoolSize, url.MaxPoolSize);
    private readonly ConcurrentBag<MongoConnection> _idle = new();

    public MongoServerAddress Address { get; } = address;

    public async Task<MongoConnection> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryTake(out var idle))
            {
                if (!idle.IsBroken) return idle;
                await idle.DisposeAsync().ConfigureAwait(false);
            }

            return await MongoConnection.OpenAsync(Address, url, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public async ValueTask ReturnAsync(MongoConnection connection)
    {
        if (connection.IsBroken) await connection.DisposeAsync().ConfigureAwait(false);
        else _idle.Add(connection);
        _slots.Release();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var connection)) await connection.DisposeAsync().ConfigureAwait(false);
    }
}
