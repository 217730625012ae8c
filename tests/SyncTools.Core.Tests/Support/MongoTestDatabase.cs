using SyncTools.Core.MongoDb;
using SyncTools.Mongo;
using SyncTools.Mongo.Bson;

namespace SyncTools.Core.Tests.Support;

/// <summary>A database of its own on the test MongoDB-wire server, dropped afterwards.</summary>
public sealed class MongoTestDatabase : IAsyncLifetime
{
    public string Name { get; } = TestServices.UniqueName("db").Replace('-', '_');

    public MongoEndpoint Endpoint { get; } = new(TestServices.Mongo);

    public MongoClient Client { get; } = new(TestServices.Mongo);

    public MongoDatabase Database => Client.GetDatabase(Name);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Database.RunCommandAsync(new BsonDocument("dropDatabase", 1));
        await Client.DisposeAsync();
    }

    /// <summary>Every document of a collection, by _id, for before/after comparisons.</summary>
    public async Task<List<BsonDocument>> AllAsync(string collection) =>
        (await Database.GetCollection(collection).Find(new BsonDocument()).ToListAsync()).OrderBy(d => d["_id"].ToString()).ToList();
}
