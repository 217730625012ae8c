using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo;

public sealed class MongoDatabase
{
    private const int NamespaceNotFound = 26;

    internal MongoDatabase(MongoClient client, string name)
    {
        if (string.IsNullOrEmpty(name) || name.IndexOfAny(['/', '\\', '.', ' ', '"', '$', '\0']) >= 0)
        {
            throw new ArgumentException($"'{name}' is not a valid MongoDB database name.", nameof(name));
        }

        Client = client;
        Name = name;
    }

    public MongoClient Client { get; }

    public string Name { get; }

    public MongoCollection GetCollection(string name) => new(this, name);

    /// <summary>Runs a command against this database on the primary; "$db" is added.</summary>
    public Task<BsonDocument> RunCommandAsync(BsonDocument command, CancellationToken cancellationToken = default) =>
        Client.Cluster.RunAsync(connection => connection.RunCommandAsync(WithDb(command), cancellationToken), cancellationToken);

    public async Task<List<string>> ListCollectionNamesAsync(CancellationToken cancellationToken = default)
    {
        var command = new BsonDocument { { "listCollections", 1 }, { "nameOnly", true }, { "cursor", new BsonDocument() } };
        var names = new List<string>();
        await foreach (var info in new MongoCursor(this, null, command, batchSize: null).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            names.Add(info["name"].AsString);
        }

        return names;
    }

    /// <summary>Drops a collection; one that does not exist is not an error.</summary>
    public async Task DropCollectionAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await RunCommandAsync(new BsonDocument("drop", name), cancellationToken).ConfigureAwait(false);
        }
        catch (MongoCommandException e) when (e.Code == NamespaceNotFound || e.Message.Contains("ns not found", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    /// <summary>Renames a collection in one step; with <paramref name="dropTarget"/> an existing target is replaced.</summary>
    public Task RenameCollectionAsync(string oldName, string newName, bool dropTarget = false, CancellationToken cancellationToken = default) =>
        Client.GetDatabase("admin").RunCommandAsync(new BsonDocument
        {
            { "renameCollection", $"{Name}.{oldName}" },
            { "to", $"{Name}.{newName}" },
            { "dropTarget", dropTarget },
        }, cancellationToken);

    internal BsonDocument WithDb(BsonDocument command)
    {
        var copy = new BsonDocument(command.Elements);
        copy["$db"] = Name;
        return copy;
    }
}
