using SyncTools.Core.MongoDb;

namespace SyncTools.Core.Status;

public static class RunJournal
{
    /// <summary>The environment variable that points every job's journal at a MongoDB collection.</summary>
    public const string MongoEnvironmentVariable = "SYNCTOOLS_JOURNAL_URI";

    /// <summary>How long the journal keeps runs; a target's last run is kept whatever its age.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>The entries the retention keeps, in their order.</summary>
    public static IEnumerable<JournalEntry> Retained(IReadOnlyList<JournalEntry> entries, DateTimeOffset now)
    {
        var last = entries.GroupBy(e => (e.Job, e.Target)).Select(g => g.MaxBy(e => e.Finished)!).ToHashSet();
        return entries.Where(e => now - e.Finished <= Retention || last.Contains(e));
    }

    /// <summary>The journal to use: MongoDB when a connection string is given (or in SYNCTOOLS_JOURNAL_URI), else the local file.</summary>
    public static IRunJournal Open(string? mongoConnectionString) =>
        (mongoConnectionString ?? Environment.GetEnvironmentVariable(MongoEnvironmentVariable)) is { Length: > 0 } uri
            ? new MongoRunJournal(new MongoEndpoint(uri))
            : new FileRunJournal(FileRunJournal.DefaultPath());
}
