using System.Collections.Concurrent;

namespace SyncTools.Mongo.Wire;

/// <summary>
/// Finds the server to write to and lends its connections: the one host of a direct connection, else the primary,
/// discovered from the seed list (following a member's "primary" hint) and checked against replicaSet.
/// </summary>
internal sealed class Cluster(MongoUrl url) : IAsyncDisposable
{
    // Codes that mean "this server is no longer the primary": forget it and select again next time.
    private static readonly HashSet<int> NotPrimaryCodes = [10107, 13435, 13436, 11600, 11602, 189, 91];
    private readonly ConcurrentDictionary<MongoServerAddress, ConnectionPool> _pools = new();
    private volatile ConnectionPool? _primary;

    public MongoUrl Url { get; } = url;

    /// <summary>Runs <paramref name="operation"/> on a connection to the primary.</summary>
    public async Task<T> RunAsync<T>(Func<MongoConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        var pool = _primary ?? await SelectAsync(cancellationToken).ConfigureAwait(false);
        var connection = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MongoConnectionException || (e is MongoCommandException c && NotPrimaryCodes.Contains(c.Code)))
        {
            _primary = null;
            throw;
        }
        finally
        {
            await pool.ReturnAsync(connection).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools.Values) await pool.DisposeAsync().ConfigureAwait(false);
        _pools.Clear();
    }

    private async Task<ConnectionPool> SelectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Url.ServerSelectionTimeout);
        var findings = new Dictionary<MongoServerAddress, string>();
        try
        {
            while (true)
            {
                var candidates = new List<MongoServerAddress>(Url.Hosts);
                for (var i = 0; i < candidates.Count; i++)
                {
                    var pool = _pools.GetOrAdd(candidates[i], address => new ConnectionPool(address, Url));
                    var (hello, problem) = await ProbeAsync(pool, timeout.Token).ConfigureAwait(false);
                    if (hello is null) { findings[pool.Address] = problem!; continue; }
                    if (Url.ReplicaSet is { } set && hello.SetName != set)
                    {
                        findings[pool.Address] = hello.SetName is null ? $"is not a member of replica set '{set}'" : $"is in replica set '{hello.SetName}', not '{set}'";
                        continue;
                    }

                    if (Url.DirectConnection || hello.IsWritablePrimary || (hello.SetName is null && Url.ReplicaSet is null && Url.Hosts.Count == 1))
                    {
                        return _primary = pool;
                    }

                    findings[pool.Address] = $"is {hello.Describe()}";
                    if (hello.Primary is { } hint && TryParseAddress(hint, out var primary) && !candidates.Contains(primary)) candidates.Add(primary);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var what = Url.DirectConnection || (Url.Hosts.Count == 1 && Url.ReplicaSet is null) ? "MongoDB server"
                : Url.ReplicaSet is { } set ? $"primary of replica set '{set}'" : "primary";
            var details = findings.Count == 0 ? "no server answered" : string.Join("; ", findings.Select(f => $"{f.Key} {f.Value}"));
            throw new MongoTimeoutException($"No {what} found within {Url.ServerSelectionTimeout.TotalSeconds:0.#}s ({Url}): {details}.");
        }
    }

    /// <summary>Asks one server what it is; a server that cannot be reached or handshaken is a finding, not an error.</summary>
    private static async Task<(Hello? Hello, string? Problem)> ProbeAsync(ConnectionPool pool, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            var hello = connection.Hello;
            await pool.ReturnAsync(connection).ConfigureAwait(false);
            return (hello, null);
        }
        catch (MongoConnectionException e) when (e is not MongoProtocolException)
        {
            // Unreachable may pass (a member restarting); garbage, like refused credentials, fails at once.
            return (null, $"is unreachable ({e.InnerException?.Message ?? e.Message})");
        }
    }

    private static bool TryParseAddress(string hostPort, out MongoServerAddress address)
    {
        var colon = hostPort.LastIndexOf(':');
        address = new MongoServerAddress(colon > 0 ? hostPort[..colon].ToLowerInvariant() : hostPort.ToLowerInvariant(),
            colon > 0 && int.TryParse(hostPort[(colon + 1)..], out var port) ? port : 27017);
        return address.Host.Length > 0;
    }
}
