using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;
using Npgsql;
using SyncTools.Core.ChangeSync;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.ChangeSync;

/// <summary>
/// Start-ChangeSync against the test PostgreSQL (a pgoutput slot and publication of its own) and the MongoDB-wire
/// server: after Start-FullSync, the collection must equal the table document by document, by the full sync's mapping.
/// </summary>
public sealed class StartChangeSyncJobTests : IAsyncLifetime
{
    private const string Live = "items";
    private readonly string _schema = TestServices.UniqueName("csj").Replace('-', '_');
    private readonly string _slot = TestServices.UniqueName("cslot").Replace('-', '_');
    private readonly MongoTestDatabase _mongo = new();
    private NpgsqlConnection _pg = null!;

    public async Task InitializeAsync()
    {
        _pg = new NpgsqlConnection(TestServices.Postgres);
        await _pg.OpenAsync();
        await Execute($"""
            CREATE SCHEMA {_schema};
            CREATE TABLE {_schema}.items (id integer PRIMARY KEY, name text NOT NULL, price numeric(10, 2), tags text[], doc jsonb, at timestamptz, note text);
            INSERT INTO {_schema}.items SELECT i, 'item ' || i, i * 1.25, ARRAY['t' || (i % 5)], jsonb_build_object('n', i), '2024-01-01Z'::timestamptz + i * interval '1 minute', NULL
            FROM generate_series(1, 300) i;
            """);
        // The publication first: the slot decodes the table's changes from the publication's creation on.
        await Execute($"CREATE PUBLICATION {_slot} FOR TABLE {_schema}.items");
        await Execute($"SELECT pg_create_logical_replication_slot('{_slot}', 'pgoutput')");
    }

    public async Task DisposeAsync()
    {
        await Execute($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{_slot}' AND active_pid IS NOT NULL");
        await Execute($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '{_slot}%'");
        await Execute($"DROP PUBLICATION IF EXISTS {_slot}; DROP SCHEMA {_schema} CASCADE");
        await _pg.DisposeAsync();
        await _mongo.DisposeAsync();
    }

    private async Task Execute(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _pg);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _pg);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private FullSyncOptions FullSync(string table = "items") => new()
    {
        Postgres = new PgSource(TestServices.Postgres), Schema = _schema, Table = table, Mongo = _mongo.Endpoint, Database = _mongo.Name,
        Collection = Live, PageSize = 50, SlotName = _slot,
    };

    private ChangeSyncOptions Options(string table = "items") => new()
    {
        Postgres = new PgSource(TestServices.Postgres), Schema = _schema, Table = table, Mongo = _mongo.Endpoint, Database = _mongo.Name,
        Collection = Live, SlotName = _slot,
    };

    private static Task<ChangeSyncResult?> Run(ChangeSyncOptions options, RecordingReporter? reporter = null, CancellationToken cancellationToken = default) =>
        StartChangeSyncJob.RunAsync(options, reporter ?? new RecordingReporter(), cancellationToken);

    private Task<BsonDocument?> PublishedLsn() =>
        _mongo.Collection(FullSyncOptions.DefaultLsnCollection).Find(new BsonDocument("_id", $"{_slot}:{_schema}.items")).FirstOrDefaultAsync()!;

    /// <summary>The table as Start-FullSync's mapping makes it, and the collection, each as relaxed extended JSON by _id.</summary>
    private async Task AssertCollectionEqualsTable(string table = "items")
    {
        var pager = await KeysetPager.CreateAsync(_pg, _schema, table, null, null, 1000, CancellationToken.None);
        var expected = new List<string>();
        await foreach (var page in pager.ReadAsync(_pg, null, CancellationToken.None)) expected.AddRange(page.Documents.Select(Json));
        var actual = (await _mongo.AllAsync(Live)).Select(Json).ToList();
        Assert.Equal(expected.Order(), actual.Order());
    }

    private static string Json(BsonDocument document) => document.ToJson(new JsonWriterSettings { OutputMode = JsonOutputMode.RelaxedExtendedJson });

    [Fact]
    public async Task Applies_inserts_updates_key_changes_and_deletes_whole_transactions_in_order_and_a_rerun_applies_nothing()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        // One command per transaction: statements sent together would share one.
        foreach (var transaction in new[]
        {
            "INSERT INTO {0}.items VALUES (1001, 'new', 9.99, ARRAY['a', NULL], '{{\"x\": [1, 2.5]}}', now(), 'n')",
            "UPDATE {0}.items SET name = 'renamed', tags = NULL WHERE id = 5",
            "UPDATE {0}.items SET id = 6006 WHERE id = 6",
            "DELETE FROM {0}.items WHERE id IN (7, 8)",
            "BEGIN; INSERT INTO {0}.items VALUES (2002, 'rolled back', NULL, NULL, NULL, NULL, NULL); ROLLBACK",
            "BEGIN; UPDATE {0}.items SET price = price + 1 WHERE id <= 250; INSERT INTO {0}.items VALUES (9, 'x', NULL, NULL, NULL, NULL, NULL) ON CONFLICT (id) DO UPDATE SET name = 'same key twice'; DELETE FROM {0}.items WHERE id = 10; COMMIT",
            "UPDATE {0}.items SET name = 'last' WHERE id = 9",
        })
        {
            await Execute(string.Format(System.Globalization.CultureInfo.InvariantCulture, transaction, _schema));
        }
        var reporter = new RecordingReporter();

        var result = await Run(Options() with { BatchSize = 100 }, reporter);

        Assert.NotNull(result);
        await AssertCollectionEqualsTable();
        // Six transactions (the rolled-back one never reaches the slot); inserted 1001 and the new key 6006; deleted 7, 8, 10 and the old key 6.
        Assert.Equal((6L, 2L, 250L, 4L), (result.Transactions, result.Inserted, result.Updated, result.Deleted));
        Assert.Equal(TimeSpan.Zero, result.Lag);
        var published = await PublishedLsn();
        Assert.Equal(result.ToLsn, published!["lsn"].AsString);
        Assert.Equal(result.ToLsn, await Scalar<string>($"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{_slot}'"));
        var question = Assert.Single(reporter.Questions).Action;
        Assert.True(question.Contains("1 inserts, 251 updates, 3 deletes pending", StringComparison.Ordinal), question);

        var again = await Run(Options());

        Assert.Equal((0L, 0L, 0L, 0L), (again!.Transactions, again.Inserted, again.Updated, again.Deleted));
        await AssertCollectionEqualsTable();
    }
}
