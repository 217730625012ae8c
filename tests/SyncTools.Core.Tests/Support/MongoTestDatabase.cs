using MongoDB.Bson;
using MongoDB.Driver;
using SyncTools.Core.MongoDb;

namespace SyncTools.Core.Tests.Support;

/// <summary>A database of its own on the test MongoDB-wire server, dropped afterwards.</summary>
public sealed class MongoTestDatabase : IAsyncLifetime
{
    public string Name { get; } = TestServices.UniqueName("db").Replace('-', '_');

    public MongoEndpoint Endpoint { get; } = new(TestServices.Mongo);

    public IMongoClient Client => Endpoint.Client;

    public IMongoDatabase Database => Client.GetDatabase(Name);

    public IMongoCollection<BsonDocument> Collection(string name) => Database.GetCollection<BsonDocument>(name);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Client.DropDatabaseAsync(Name);

    /// <summary>Every document of a collection, by _id, for before/after comparisons.</summary>
    public async Task<List<BsonDocument>> AllAsync(string collection) =>
        (await Collection(collection).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).OrderBy(d => d["_id"].ToString()).ToList();
}
