using SyncTools.Core.MongoDb;

namespace SyncTools.Core.Status;

public static class RunJournal
{
    /// <summary>The environment variable that points every job's journal at a MongoDB collection.</summary>
    public const string MongoEnvironmentVariable = "SYNCTOOLS_JOURNAL_URI";

    /// <summary>The journal to use: MongoDB when a connection string is given (or in SYNCTOOLS_JOURNAL_URI), else the local file.</summary>
    public static IRunJournal Open(string? mongoConnectionString) =>
        (mongoConnectionString ?? Environment.GetEnvironmentVariable(MongoEnvironmentVariable)) is { Length: > 0 } uri
            ? new MongoRunJournal(new MongoEndpoint(uri))
            : new FileRunJournal(FileRunJournal.DefaultPath());
}
