using MongoDB.Bson;
using MongoDB.Driver;

namespace SyncTools.Core.FullSync;

/// <summary>Job statuses as the statistics document spells them.</summary>
public static class FullSyncStatus
{
    public const string Running = "RUNNING";
    public const string Finished = "FINISHED";
    public const string Failed = "FAILED";
    public const string Aborted = "ABORTED";
}

/// <summary>
/// A full sync's statistics document, {_id: job name}, rewritten as the run goes so another process can watch it,
/// and read back between pages for <c>abortRequested: true</c>, which another process may set to stop the run.
/// </summary>
public sealed class JobStatistics(IMongoCollection<BsonDocument> collection, string job, Guid runId)
{
    /// <summary>The document of the job's previous run, or null.</summary>
    public Task<BsonDocument?> ReadAsync(CancellationToken cancellationToken) =>
        collection.Find(new BsonDocument("_id", job)).FirstOrDefaultAsync(cancellationToken)!;

    /// <summary>Starts the run's document: the fields given, status RUNNING, no abort request.</summary>
    public Task StartAsync(BsonDocument fields, CancellationToken cancellationToken)
    {
        var document = new BsonDocument { { "_id", job }, { "runId", runId.ToString() }, { "status", FullSyncStatus.Running } };
        foreach (var element in fields.Elements) document[element.Name] = element.Value;
        document["startedAt"] = document["updatedAt"] = DateTime.UtcNow;
        document["abortRequested"] = false;
        return collection.ReplaceOneAsync(new BsonDocument("_id", job), document, new ReplaceOptions { IsUpsert = true }, cancellationToken);
    }

    /// <summary>Sets the fields given; returns whether another process asked the run to stop.</summary>
    public async Task<bool> UpdateAsync(BsonDocument fields, CancellationToken cancellationToken)
    {
        fields["updatedAt"] = DateTime.UtcNow;
        var after = await collection.FindOneAndUpdateAsync(
            new BsonDocument { { "_id", job }, { "runId", runId.ToString() } },
            new BsonDocument("$set", fields),
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.After, Projection = new BsonDocument("abortRequested", 1) },
            cancellationToken).ConfigureAwait(false);
        return after?.GetValue("abortRequested", false) is BsonBoolean { Value: true };
    }

    /// <summary>Ends the run's document with its final status (and error, if any).</summary>
    public Task FinishAsync(string status, string? error, CancellationToken cancellationToken) =>
        UpdateAsync(new BsonDocument { { "status", status }, { "error", BsonValue.Create(error) }, { "finishedAt", DateTime.UtcNow } }, cancellationToken);
}
