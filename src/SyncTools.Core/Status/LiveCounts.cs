using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.Status;

/// <summary>The servers to count in; a job whose server is not given is not counted.</summary>
public sealed record LiveConnections(MongoEndpoint? Mongo, MySqlSource? MySql, PgSource? Postgres = null);

/// <summary>Source and target counts of a job's last target, read live by the job's own <see cref="ILiveCount"/>.</summary>
public static class LiveCounts
{
    private static readonly Dictionary<string, ILiveCount> ByJob = typeof(ILiveCount).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(ILiveCount).IsAssignableFrom(t))
        .Select(t => (ILiveCount)Activator.CreateInstance(t)!)
        .ToDictionary(c => c.Job, StringComparer.Ordinal);

    /// <returns>Nulls for a job that cannot be counted (none of its own, or its servers not given).</returns>
    public static Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken) =>
        ByJob.TryGetValue(last.Job, out var count) ? count.CountAsync(last, connections, cancellationToken) : Task.FromResult<(long?, long?)>((null, null));
}
