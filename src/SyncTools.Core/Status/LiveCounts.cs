using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.Status;

/// <summary>
/// The servers to count in. A row is counted on the server it names: when no connection of its kind is given, or one to
/// another server, it is refused (the row is not counted, and a warning says which connection to give).
/// </summary>
public sealed record LiveConnections(MongoEndpoint? Mongo, MySqlSource? MySql, PgSource? Postgres = null)
{
    public MongoEndpoint MongoFor(SyncEndpoint endpoint) => Checked(endpoint, Mongo, Mongo?.Server, "MongoDB", "-MongoConnectionString (or set MONGODB_URI)");

    public MySqlSource MySqlFor(SyncEndpoint endpoint) => Checked(endpoint, MySql?.WithDatabase(endpoint.Database), MySql?.Server, "MySQL", "-MySqlConnectionString or -Server");

    public PgSource PostgresFor(SyncEndpoint endpoint) => Checked(endpoint, Postgres?.WithDatabase(endpoint.Database), Postgres?.Server, "PostgreSQL", "-PostgresConnectionString (or set PGHOST)");

    private static T Checked<T>(SyncEndpoint endpoint, T? connection, string? server, string kind, string parameter) where T : class =>
        connection is not null && server == endpoint.Server ? connection
        : throw new SyncToolsException(
            $"{endpoint} is on {endpoint.Server}, {(connection is null ? $"and no {kind} server was given" : $"not on {server}, the server given")} to count in: not counted. Give {parameter} for its server.",
            JobErrorCategory.InvalidArgument, "LiveCountServerNotGiven", endpoint.ToString());
}

/// <summary>Source and target counts of a job's last target, read live by the job's own <see cref="ILiveCount"/>.</summary>
public static class LiveCounts
{
    private static readonly Dictionary<string, ILiveCount> ByJob = typeof(ILiveCount).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(ILiveCount).IsAssignableFrom(t))
        .Select(t => (ILiveCount)Activator.CreateInstance(t)!)
        .ToDictionary(c => c.Job, StringComparer.Ordinal);

    /// <returns>
    /// Nulls for a job that cannot be counted: none of its own, an entry from before the journal kept what source and
    /// target are, or its servers not given.
    /// </returns>
    public static Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken) =>
        ByJob.TryGetValue(last.Job, out var count) && last.TargetEndpoint is not null
            ? count.CountAsync(last, connections, cancellationToken)
            : Task.FromResult<(long?, long?)>((null, null));

    /// <returns>Null for a job that follows no replication slot, or one that cannot be read with these connections.</returns>
    public static Task<ReplicationSlotHealth?> SlotHealthAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken) =>
        ByJob.TryGetValue(last.Job, out var count) && count is ISlotHealth slot && last.TargetEndpoint is not null
            ? slot.SlotHealthAsync(last, connections, cancellationToken)
            : Task.FromResult<ReplicationSlotHealth?>(null);
}
