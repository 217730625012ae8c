using MongoDB.Bson;
using MongoDB.Driver;
using SyncTools.Core.MySql;
using SyncTools.Core.Status;

namespace SyncTools.Core.ClusterIds;

/// <summary>Update-ClusterId, live: the MongoDB documents against the distinct ids in the MySQL column.</summary>
public sealed class ClusterIdLiveCount : ILiveCount
{
    public string Job => UpdateClusterIdJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (last is not { SourceEndpoint: { Path: [var collection] } source, TargetEndpoint: { Path: [var table, var column] } target }) return (null, null);
        var (mongo, mysql) = (connections.MongoFor(source), connections.MySqlFor(target));
        var (database, schema) = (source.Database, target.Database);
        long documents;
        try
        {
            documents = await mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw mongo.Translate(e, source.ToString());
        }

        await using var connection = await mysql.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(DISTINCT {MySqlIdentifiers.Quote(column)}) FROM {MySqlIdentifiers.Quote(schema)}.{MySqlIdentifiers.Quote(table)}";
            return (documents, Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw mysql.Translate(e, last.Target);
        }
    }
}
