using SyncTools.Mongo.Bson;
using SyncTools.Mongo.Tests.Bson;
using SyncTools.Mongo.Tests.Reference;

namespace SyncTools.Mongo.Tests.Client;

/// <summary>What the jobs rely on the client for, against one server; each test class gets a database of its own.</summary>
public abstract class MongoClientContract : IAsyncLifetime
{
    private readonly string _uri;
    private readonly bool _keepsTypes;

    protected MongoClientContract(string uri, bool keepsTypes)
    {
        _uri = uri;
        _keepsTypes = keepsTypes;
        DatabaseName = TestServices.UniqueName("client").Replace('-', '_');
    }

    protected string DatabaseName { get; }

    protected MongoClient Client { get; private set; } = null!;

    protected MongoDatabase Database => Client.GetDatabase(DatabaseName);

    public Task InitializeAsync()
    {
        Client = new MongoClient(_uri);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try { await Database.RunCommandAsync(new BsonDocument("dropDatabase", 1)); } catch (MongoException) { }
        await Client.DisposeAsync();
    }

    private MongoCollection Collection(string name = "items") => Database.GetCollection(name);

    /// <summary>
    /// A document as the server keeps it. MongoDB keeps every type; CongoDB stores promoted JavaScript values, so an
    /// Int64 or an integral Double within Int32's range comes back as an Int32, an Int64 within ±2^53 as a Double,
    /// and a regex keeps only its i and m flags (it passes through a JavaScript RegExp).
    /// </summary>
    private BsonValue AsStored(BsonValue value) => _keepsTypes ? value : value switch
    {
        BsonDocument d => new BsonDocument(d.Elements.Select(e => new BsonElement(e.Name, AsStored(e.Value)))),
        BsonArray a => new BsonArray(a.Select(AsStored)),
        BsonInt64 l when l.Value is >= int.MinValue and <= int.MaxValue => new BsonInt32((int)l.Value),
        BsonInt64 l when l.Value is >= -(1L << 53) and <= 1L << 53 => new BsonDouble(l.Value),
        BsonDouble d when d.Value == Math.Floor(d.Value) && d.Value is >= int.MinValue and <= int.MaxValue && !(d.Value == 0 && double.IsNegative(d.Value)) => new BsonInt32((int)d.Value),
        BsonRegularExpression r => new BsonRegularExpression(r.Pattern, new string(r.Options.Where(o => o is 'i' or 'm').ToArray())),
        _ => value,
    };

    private static IEnumerable<BsonDocument> Numbered(int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => new BsonDocument { { "_id", i }, { "n", i }, { "even", i % 2 == 0 }, { "name", $"item {i}" } });

    [MongoFact]
    public async Task Inserted_documents_of_every_type_come_back_as_they_went_in()
    {
        var documents = BsonCorpus.Cases().Select((c, i) => new BsonDocument { { "_id", i } }.Add("case", c.Name).Add("value", c.Document)).ToList();

        var result = await Collection().InsertManyAsync(documents);

        Assert.Equal(documents.Count, result.InsertedCount);
        var found = await Collection().Find(new BsonDocument()).ToListAsync();
        Assert.Equal(documents.Select(AsStored), found.OrderBy(d => d["_id"].AsInt32).Select(AsStored));
    }

    [MongoFact]
    public async Task The_official_driver_reads_what_we_wrote_and_we_read_what_it_wrote()
    {
        var ours = BsonCorpus.Cases().Select((c, i) => new BsonDocument { { "_id", i } }.Add("value", c.Document)).ToList();
        await Collection("ours").InsertManyAsync(ours);

        var read = NodeReference.Run("driver-reference.mjs", "read", _uri, DatabaseName, "ours");
        var written = Path.GetTempFileName();
        File.WriteAllText(written, read);
        NodeReference.Run("driver-reference.mjs", "write", _uri, DatabaseName, "theirs", written);
        File.Delete(written);

        // The driver read every document; written back from what it read, each is the very document we wrote.
        Assert.Equal(ours.Count, System.Text.Json.JsonDocument.Parse(read).RootElement.GetArrayLength());
        var theirs = await Collection("theirs").Find(new BsonDocument()).ToListAsync();
        Assert.Equal(ours.Select(AsStored), theirs.OrderBy(d => d["_id"].AsInt32).Select(AsStored));
    }

    [MongoFact]
    public async Task Upserts_insert_then_match_and_only_changes_count_as_modified()
    {
        BulkWriteResult Run(IEnumerable<(int Id, string Value)> rows) => Collection().BulkWriteAsync(
            rows.Select(r => new UpdateOneModel(new BsonDocument("_id", r.Id), new BsonDocument("$set", new BsonDocument("v", r.Value))) { IsUpsert = true }),
            new BulkWriteOptions { IsOrdered = false }).GetAwaiter().GetResult();

        var first = Run([(1, "a"), (2, "b"), (3, "c")]);
        var second = Run([(1, "a"), (2, "B"), (3, "c"), (4, "d")]);

        Assert.Equal((0L, 0L, 3L), (first.MatchedCount, first.ModifiedCount, first.UpsertedCount));
        Assert.Equal([0, 1, 2], first.Upserts.Select(u => u.Index).Order());
        Assert.Equal((3L, 1L, 1L), (second.MatchedCount, second.ModifiedCount, second.UpsertedCount));
        Assert.Equal(new BulkWriteUpsert(3, 4), Assert.Single(second.Upserts));
        Assert.Equal(4, await Collection().CountDocumentsAsync(new BsonDocument()));
    }

    [MongoFact]
    public async Task Replace_and_delete_report_their_counts()
    {
        await Collection().InsertManyAsync(Numbered(10));

        var result = await Collection().BulkWriteAsync(
        [
            new ReplaceOneModel(new BsonDocument("_id", 1), new BsonDocument { { "_id", 1 }, { "replaced", true } }),
            new ReplaceOneModel(new BsonDocument("_id", 100), new BsonDocument { { "_id", 100 }, { "new", true } }) { IsUpsert = true },
            new DeleteOneModel(new BsonDocument("_id", 2)),
            new DeleteManyModel(new BsonDocument("even", true)),
        ]);

        Assert.Equal((1L, 1L, 1L), (result.MatchedCount, result.ModifiedCount, result.UpsertedCount));
        Assert.Equal(5, result.DeletedCount); // 2, then 0, 4, 6, 8
        Assert.True((await Collection().Find(new BsonDocument("_id", 1)).FirstOrDefaultAsync())!["replaced"].AsBoolean);
        Assert.Equal(6, await Collection().CountDocumentsAsync(new BsonDocument()));
    }

    [MongoFact]
    public async Task An_ordered_bulk_write_stops_at_the_first_error_an_unordered_one_goes_on()
    {
        await Collection("ordered").InsertManyAsync(Numbered(1, from: 5));
        await Collection("unordered").InsertManyAsync(Numbered(1, from: 5));
        var batch = Numbered(10).ToList(); // _id 5 is a duplicate, at index 5

        var ordered = await Assert.ThrowsAsync<MongoBulkWriteException>(() => Collection("ordered").InsertManyAsync(batch));
        var unordered = await Assert.ThrowsAsync<MongoBulkWriteException>(() => Collection("unordered").InsertManyAsync(batch, new BulkWriteOptions { IsOrdered = false }));

        Assert.Equal(5, Assert.Single(ordered.WriteErrors).Index);
        Assert.Equal(11000, ordered.WriteErrors[0].Code);
        Assert.Equal(5, ordered.Result.InsertedCount);
        Assert.Equal(6, await Collection("ordered").CountDocumentsAsync(new BsonDocument()));
        Assert.Equal(5, Assert.Single(unordered.WriteErrors).Index);
        Assert.Equal(9, unordered.Result.InsertedCount);
        Assert.Equal(10, await Collection("unordered").CountDocumentsAsync(new BsonDocument()));
        Assert.StartsWith("1 write error(s): request 5: ", ordered.Message);
    }

    [MongoFact]
    public async Task Batches_split_by_count_and_size_keep_every_document_and_error_index()
    {
        await using var client = new MongoClient(_uri) { BatchLimitsForTests = (7, 64 * 1024) };
        var collection = client.GetDatabase(DatabaseName).GetCollection("split");
        var big = new string('x', 20_000);
        var documents = Numbered(100).Select(d => d.Add("blob", d["n"].AsInt32 % 10 == 0 ? big : "")).ToList();
        documents[57] = new BsonDocument("_id", 3); // a duplicate in the ninth batch

        var error = await Assert.ThrowsAsync<MongoBulkWriteException>(() => collection.InsertManyAsync(documents, new BulkWriteOptions { IsOrdered = false }));

        Assert.Equal(57, Assert.Single(error.WriteErrors).Index);
        Assert.Equal(99, error.Result.InsertedCount);
        Assert.Equal(99, await collection.CountDocumentsAsync(new BsonDocument()));
    }

    [MongoFact]
    public async Task A_document_over_the_servers_maximum_is_refused_before_anything_is_sent()
    {
        var documents = new[] { new BsonDocument("_id", 1), new BsonDocument { { "_id", 2 }, { "blob", new string('x', 17 * 1024 * 1024) } } };

        var error = await Assert.ThrowsAsync<BsonSerializationException>(() => Collection().InsertManyAsync(documents));

        Assert.StartsWith($"Request 1 of the bulk write into {DatabaseName}.items cannot be sent: The document is ", error.Message);
        Assert.Equal(0, await Collection().CountDocumentsAsync(new BsonDocument()));
    }

    [MongoFact]
    public async Task Find_filters_projects_sorts_limits_and_streams_by_getMore()
    {
        await Collection().InsertManyAsync(Numbered(95));

        var found = await Collection().Find(new BsonDocument("even", true), new FindOptions
        {
            Projection = new BsonDocument { { "n", 1 }, { "_id", 0 } },
            Sort = new BsonDocument("n", -1),
            Limit = 30,
            BatchSize = 7,
        }).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 30).Select(i => (BsonValue)new BsonDocument("n", 94 - 2 * i)), found);
    }

    [MongoFact]
    public async Task Leaving_a_cursor_early_neither_hangs_nor_spoils_the_next_query()
    {
        await Collection().InsertManyAsync(Numbered(50));
        var seen = 0;

        await foreach (var _ in Collection().Find(new BsonDocument(), new FindOptions { BatchSize = 5 }))
        {
            if (++seen == 12) break;
        }

        Assert.Equal(50, (await Collection().Find(new BsonDocument(), new FindOptions { BatchSize = 5 }).ToListAsync()).Count);
    }

    [MongoFact]
    public async Task Counts_and_aggregates()
    {
        await Collection().InsertManyAsync(Numbered(20));

        Assert.Equal(10, await Collection().CountDocumentsAsync(new BsonDocument("even", false)));
        Assert.Equal(20, await Collection().EstimatedDocumentCountAsync());
        var sums = await Collection().Aggregate(
        [
            new BsonDocument("$group", new BsonDocument { { "_id", "$even" }, { "total", new BsonDocument("$sum", "$n") } }),
            new BsonDocument("$sort", new BsonDocument("_id", 1)),
        ]).ToListAsync();
        Assert.Equal([100L, 90L], sums.Select(s => s["total"].ToInt64()));
    }

    [MongoFact]
    public async Task FindOneAndUpdate_upserts_and_returns_the_document_after()
    {
        var options = new FindOneAndUpdateOptions { IsUpsert = true, ReturnDocument = ReturnDocument.After };
        var update = new BsonDocument("$inc", new BsonDocument("count", 1));

        var first = await Collection().FindOneAndUpdateAsync(new BsonDocument("_id", "lock"), update, options);
        var second = await Collection().FindOneAndUpdateAsync(new BsonDocument("_id", "lock"), update, options);
        var absent = await Collection().FindOneAndUpdateAsync(new BsonDocument("_id", "none"), update);

        Assert.Equal(1, first!["count"].ToInt64());
        Assert.Equal(2, second!["count"].ToInt64());
        Assert.Null(absent);
    }

    [MongoFact]
    public async Task Indexes_collections_rename_with_drop_target_and_drop()
    {
        var names = await Collection("live").CreateIndexesAsync([new CreateIndexModel(new BsonDocument("link_id", 1), Unique: true), new CreateIndexModel(new BsonDocument("segment_id", 1))]);
        await Collection("live").InsertManyAsync([new BsonDocument("_id", "old")]);
        await Collection("staging").InsertManyAsync([new BsonDocument("_id", "new")]);

        await Database.RenameCollectionAsync("staging", "live", dropTarget: true);

        Assert.Equal(["link_id_1", "segment_id_1"], names);
        Assert.Equal(["live"], (await Database.ListCollectionNamesAsync()).Order());
        Assert.Equal("new", (await Collection("live").Find(new BsonDocument()).FirstOrDefaultAsync())!["_id"].AsString);
        await Collection("live").DropAsync();
        await Collection("never-existed").DropAsync();
        Assert.Empty(await Database.ListCollectionNamesAsync());
    }

    [MongoFact]
    public async Task Server_errors_carry_their_code_and_name()
    {
        var error = await Assert.ThrowsAsync<MongoCommandException>(() => Database.RunCommandAsync(new BsonDocument("noSuchCommand", 1)));

        Assert.Equal(59, error.Code);
        Assert.Equal("CommandNotFound", error.CodeName);
        Assert.Contains("noSuchCommand", error.Message);
    }

    [MongoFact]
    public async Task Cancellation_stops_an_operation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Collection().InsertManyAsync(Numbered(10), cancellationToken: cancelled.Token));
    }
}
