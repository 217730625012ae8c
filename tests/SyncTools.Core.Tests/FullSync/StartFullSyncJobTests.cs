using Npgsql;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Tests.Support;
using MongoDB.Driver;
using MongoDB.Bson;
using System.Text.Json.Nodes;
using SyncTools.Core.Tests.Reference;

namespace SyncTools.Core.Tests.FullSync;

/// <summary>Start-FullSync against the test PostgreSQL (with a logical slot of its own) and the MongoDB-wire server.</summary>
public sealed class StartFullSyncJobTests : IAsyncLifetime
{
    private const string Live = "items";
    private readonly string _schema = TestServices.UniqueName("fsj").Replace('-', '_');
    private readonly string _slot = TestServices.UniqueName("slot").Replace('-', '_');
    private readonly MongoTestDatabase _mongo = new();
    private NpgsqlConnection _pg = null!;

    public async Task InitializeAsync()
    {
        _pg = new NpgsqlConnection(TestServices.Postgres);
        await _pg.OpenAsync();
        await Execute($"CREATE SCHEMA {_schema}");
        await Execute($"SELECT pg_create_logical_replication_slot('{_slot}', 'test_decoding')");
        await Execute($"""
            CREATE TABLE {_schema}.items (id integer PRIMARY KEY, name text NOT NULL, price numeric(10, 2), tags text[], doc jsonb, at timestamptz);
            INSERT INTO {_schema}.items SELECT i * 3, 'item ' || i, i * 1.25, ARRAY['t' || (i % 5)], jsonb_build_object('n', i), '2024-01-01Z'::timestamptz + i * interval '1 minute'
            FROM generate_series(1, 1000) i;
            """);
    }

    public async Task DisposeAsync()
    {
        await Execute($"SELECT pg_drop_replication_slot('{_slot}')");
        await Execute($"DROP SCHEMA {_schema} CASCADE");
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

    private FullSyncOptions Options(int pageSize = 100) => new()
    {
        Postgres = new PgSource(TestServices.Postgres),
        Schema = _schema,
        Table = "items",
        Mongo = _mongo.Endpoint,
        Database = _mongo.Name,
        Collection = Live,
        PageSize = pageSize,
        SlotName = _slot,
    };

    private Task<FullSyncResult?> Run(FullSyncOptions options, RecordingReporter? reporter = null, CancellationToken cancellationToken = default) =>
        StartFullSyncJob.RunAsync(options, reporter ?? new RecordingReporter(), cancellationToken);

    private IMongoCollection<BsonDocument> Collection(string name) => _mongo.Database.GetCollection<BsonDocument>(name);

    private Task<BsonDocument?> Statistics() =>
        Collection(FullSyncOptions.DefaultStatisticsCollection).Find(new BsonDocument("_id", $"fullsync:{_mongo.Name}.{Live}")).FirstOrDefaultAsync()!;

    private async Task SeedLive()
    {
        await Collection(Live).InsertManyAsync([new BsonDocument { { "_id", -1 }, { "name", "stale" } }, new BsonDocument { { "_id", 3 }, { "name", "old" } }]);
    }

    [Fact]
    public async Task The_official_Nodejs_driver_reads_every_mapped_type_as_the_source_holds_it()
    {
        await Execute($$"""
            CREATE TABLE {{_schema}}.kinds (id int PRIMARY KEY, big bigint, amount numeric(10, 2), label text, uid uuid, raw bytea, at timestamptz,
                day date, flag boolean, ratio double precision, doc json, ints int[], nothing text);
            INSERT INTO {{_schema}}.kinds VALUES (7, 9007199254740993, 12.50, 'x', '00112233-4455-6677-8899-aabbccddeeff', '\xdeadbeef',
                '2024-02-29 13:14:15.678+00', '2024-03-01', true, 1.5, '{"a": 1, "a": 2, "big": 12345678901234567890}', '{1,NULL}', NULL);
            """);

        await Run(Options() with { Table = "kinds" });

        var read = JsonNode.Parse(NodeReference.Run("driver-reference.mjs", "read", TestServices.Mongo, _mongo.Name, Live))!.AsArray();
        var expected = JsonNode.Parse("""
            [{ "_id": {"$numberInt": "7"}, "id": {"$numberInt": "7"}, "big": {"$numberLong": "9007199254740993"}, "amount": {"$numberDecimal": "12.50"},
               "label": "x", "uid": {"$binary": {"base64": "ABEiM0RVZneImaq7zN3u/w==", "subType": "04"}}, "raw": {"$binary": {"base64": "3q2+7w==", "subType": "00"}},
               "at": {"$date": {"$numberLong": "1709212455678"}}, "day": {"$date": {"$numberLong": "1709251200000"}}, "flag": true,
               "ratio": {"$numberDouble": "1.5"}, "doc": {"a": {"$numberInt": "2"}, "big": {"$numberDecimal": "12345678901234567890"}},
               "ints": [{"$numberInt": "1"}, null], "nothing": null }]
            """);
        Assert.True(JsonNode.DeepEquals(expected, read), read.ToJsonString());
    }

    [Fact]
    public async Task Replaces_the_live_collection_with_every_row_and_records_the_slots_LSN_for_the_table()
    {
        await SeedLive();
        await Execute($"UPDATE {_schema}.items SET name = 'renamed' WHERE id = 9; INSERT INTO {_schema}.items VALUES (3001, 'late', NULL, NULL, NULL, NULL)");
        var expectedLsn = await Scalar<string>($"SELECT max(lsn)::text FROM pg_logical_slot_peek_changes('{_slot}', NULL, NULL) WHERE data LIKE 'table {_schema}.items:%'");

        var result = await Run(Options());

        var live = await _mongo.AllAsync(Live);
        Assert.NotNull(result);
        Assert.Equal((1001L, 1001L, 1001L, "FINISHED", expectedLsn), (result.CopiedRows, result.SourceRows, result.TargetRows, result.Status, result.Lsn));
        Assert.Equal(1001, live.Count);
        Assert.DoesNotContain(live, d => d["_id"].ToInt64() == -1);
        Assert.Equal(new BsonDocument
        {
            { "_id", 9 }, { "id", 9 }, { "name", "renamed" }, { "price", Decimal128.Parse("3.75") }, { "tags", new BsonArray { "t3" } },
            { "doc", new BsonDocument("n", 3) }, { "at", new BsonDateTime(new DateTimeOffset(2024, 1, 1, 0, 3, 0, TimeSpan.Zero).UtcDateTime) },
        }, live.Single(d => d["_id"].ToInt64() == 9));
        Assert.DoesNotContain(StartFullSyncJob.TempSuffix, string.Join(",", await (await _mongo.Database.ListCollectionNamesAsync()).ToListAsync()));

        var lsn = await Collection(FullSyncOptions.DefaultLsnCollection).Find(new BsonDocument("_id", $"{_slot}:{_schema}.items")).FirstOrDefaultAsync();
        Assert.Equal(expectedLsn, lsn!["lsn"].AsString);
        Assert.Equal(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(expectedLsn)), lsn["lsnBase64"].AsString);
        Assert.False(lsn.Contains("pendingLsn"));

        var statistics = await Statistics();
        Assert.Equal(("FINISHED", 1001L, 100.0), (statistics!["status"].AsString, statistics["rowsCopied"].ToInt64(), statistics["percent"].ToDouble()));
        Assert.Equal("3001", statistics["lastKey"].AsString);
        Assert.Equal(0, await Collection(TargetLease.CollectionName).CountDocumentsAsync(new BsonDocument()));
        var keyIndex = (await (await Collection(Live).Indexes.ListAsync()).ToListAsync()).Single(i => i["key"].AsBsonDocument == new BsonDocument("id", 1));
        Assert.True(keyIndex.GetValue("unique", false).ToBoolean());
    }

    [Fact]
    public async Task With_no_change_pending_for_the_table_the_LSN_is_the_slots_confirmed_position()
    {
        await Scalar<long>($"SELECT count(*) FROM pg_logical_slot_get_changes('{_slot}', NULL, NULL)");
        var confirmed = await Scalar<string>($"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{_slot}'");
        await Execute($"CREATE TABLE {_schema}.other (id int PRIMARY KEY); INSERT INTO {_schema}.other VALUES (1)");

        var result = await Run(Options(pageSize: 5000));

        Assert.Equal(confirmed, result!.Lsn);
    }

    [Fact]
    public async Task A_second_run_for_the_same_target_is_refused_naming_the_holder_and_an_expired_lease_is_taken_over()
    {
        await SeedLive();
        var holder = await TargetLease.AcquireAsync(_mongo.Database, $"{_mongo.Name}.{Live}", Guid.NewGuid(), TimeSpan.FromMinutes(5), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));

        Assert.Equal(("FullSyncLocked", JobErrorCategory.ResourceBusy), (refused.ErrorId, refused.Category));
        Assert.Contains($"{Environment.UserName}@{Environment.MachineName}", refused.Message);
        Assert.Equal(2, (await _mongo.AllAsync(Live)).Count);

        await holder.ReleaseAsync(CancellationToken.None);
        await TargetLease.AcquireAsync(_mongo.Database, $"{_mongo.Name}.{Live}", Guid.NewGuid(), TimeSpan.FromMilliseconds(1), CancellationToken.None);
        await Task.Delay(50);
        Assert.Equal(1000, (await Run(Options()))!.TargetRows);
    }

    [Fact]
    public async Task An_abort_requested_by_another_process_stops_between_pages_and_resume_finishes_with_every_row_once()
    {
        await SeedLive();
        var before = await _mongo.AllAsync(Live);
        using var watcher = new MongoClient(TestServices.Mongo);
        var reporter = new RecordingReporter(onProgress: p =>
        {
            if (p.Done == 200) watcher.GetDatabase(_mongo.Name).GetCollection<BsonDocument>(FullSyncOptions.DefaultStatisticsCollection)
                .BulkWriteAsync([new UpdateOneModel<BsonDocument>(new BsonDocument("_id", $"fullsync:{_mongo.Name}.{Live}"), new BsonDocument("$set", new BsonDocument("abortRequested", true)))])
                .GetAwaiter().GetResult();
        });

        var aborted = await Assert.ThrowsAsync<JobAbortedException>(() => Run(Options(), reporter));

        Assert.Equal("FullSyncAbortRequested", aborted.ErrorId);
        Assert.Equal(before, await _mongo.AllAsync(Live));
        var statistics = await Statistics();
        Assert.Equal(("ABORTED", 300L), (statistics!["status"].AsString, statistics["rowsCopied"].ToInt64()));
        Assert.Null(await Collection(FullSyncOptions.DefaultLsnCollection).Find(new BsonDocument("lsn", new BsonDocument("$exists", true))).FirstOrDefaultAsync());

        var otherFilter = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Resume = true, Where = "id % 2 = 0" }));
        Assert.Equal(("FullSyncResumeOptionsDiffer", JobErrorCategory.InvalidArgument), (otherFilter.ErrorId, otherFilter.Category));
        Assert.Contains("-Where was not given, now 'id % 2 = 0'", otherFilter.Message);

        var resumed = await Run(Options() with { Resume = true });

        var live = await _mongo.AllAsync(Live);
        Assert.Equal((1000L, 1000L), (resumed!.CopiedRows, resumed.TargetRows));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => i * 3L).Order(), live.Select(d => d["_id"].ToInt64()).Order());
        Assert.Equal(statistics["lsn"].AsString, resumed.Lsn);
        Assert.Equal(statistics["runId"].AsString, (await Statistics())!["resumedFrom"].AsString);
    }

    [Fact]
    public async Task A_failure_between_pages_leaves_the_live_collection_and_resume_after_the_fix_copies_the_rest()
    {
        await SeedLive();
        var before = await _mongo.AllAsync(Live);
        var reporter = new RecordingReporter(onProgress: p =>
        {
            if (p.Done == 100) Execute($"ALTER TABLE {_schema}.items RENAME TO gone").GetAwaiter().GetResult();
        });

        var failed = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options(), reporter));

        Assert.Equal("PgObjectNotFound", failed.ErrorId);
        Assert.Equal(before, await _mongo.AllAsync(Live));
        var statistics = await Statistics();
        Assert.Equal("FAILED", statistics!["status"].AsString);
        Assert.Contains("items", statistics["error"].AsString);
        Assert.Equal(0, await Collection(TargetLease.CollectionName).CountDocumentsAsync(new BsonDocument()));

        await Execute($"ALTER TABLE {_schema}.gone RENAME TO items");
        var resumed = await Run(Options() with { Resume = true });

        Assert.Equal(1000L, resumed!.TargetRows);
        Assert.Equal(1000, (await _mongo.AllAsync(Live)).Select(d => d["_id"]).Distinct().Count());
    }

    [Fact]
    public async Task A_time_limit_or_a_cancel_aborts_between_pages_with_the_live_collection_untouched()
    {
        await SeedLive();
        var before = await _mongo.AllAsync(Live);

        var timedOut = await Assert.ThrowsAsync<JobAbortedException>(() => Run(Options() with { MaxDuration = TimeSpan.Zero }));
        using var stop = new CancellationTokenSource();
        var cancelling = new RecordingReporter(onProgress: _ => stop.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(Options(), cancelling, stop.Token));

        Assert.Equal("FullSyncTimeLimit", timedOut.ErrorId);
        Assert.Equal(before, await _mongo.AllAsync(Live));
        var statistics = await Statistics();
        Assert.Equal(("ABORTED", "Stopped by the user."), (statistics!["status"].AsString, statistics["error"].AsString));
        Assert.Equal(0, await Collection(TargetLease.CollectionName).CountDocumentsAsync(new BsonDocument()));
    }

    [Fact]
    public async Task Resume_without_a_run_to_continue_is_refused()
    {
        var refused = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Resume = true }));

        Assert.Equal("FullSyncNothingToResume", refused.ErrorId);
    }

    [Fact]
    public async Task Refresher_jobs_are_created_for_each_key_changed_while_the_copy_ran()
    {
        var reporter = new RecordingReporter(onProgress: p =>
        {
            if (p.Done == 100) Execute($"""
                UPDATE {_schema}.items SET name = 'changed' WHERE id IN (3, 2997);
                UPDATE {_schema}.items SET name = 'twice' WHERE id = 3;
                DELETE FROM {_schema}.items WHERE id = 6;
                INSERT INTO {_schema}.items VALUES (5000, 'it''s new', NULL, NULL, NULL, NULL);
                """).GetAwaiter().GetResult();
        });

        var result = await Run(Options() with { CreateRefresherJobs = true }, reporter);

        var jobs = await _mongo.AllAsync(FullSyncOptions.DefaultRefresherCollection);
        Assert.Equal(4, result!.RefresherJobs);
        Assert.Equal(
            [(3, "UPDATE"), (6, "DELETE"), (2997, "UPDATE"), (5000, "INSERT")],
            jobs.Select(j => ((int)j["key"].ToInt64(), j["operation"].AsString)).Order());
        Assert.All(jobs, j => Assert.Equal(("PENDING", result.RunId.ToString()), (j["status"].AsString, j["runId"].AsString)));
    }

    [Fact]
    public async Task A_copy_that_no_longer_matches_its_source_under_the_filter_is_not_swapped_in()
    {
        // A filter whose rows change without a change to the table (here: through another table) is what the slot cannot show.
        await Execute($"CREATE TABLE {_schema}.excluded (id integer PRIMARY KEY)");
        await SeedLive();
        var before = await _mongo.AllAsync(Live);
        var reporter = new RecordingReporter(onProgress: p =>
        {
            if (p.Done == 200) Execute($"INSERT INTO {_schema}.excluded VALUES (3), (6), (9)").GetAwaiter().GetResult();
        });

        var refused = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Where = $"id NOT IN (SELECT id FROM {_schema}.excluded)" }, reporter));

        Assert.Equal(("FullSyncSourceMismatch", JobErrorCategory.InvalidData), (refused.ErrorId, refused.Category));
        Assert.Contains("holds 1,000 documents and", refused.Message);
        Assert.Contains("997 rows where id NOT IN", refused.Message);
        Assert.Contains("3 more than the 0 changes", refused.Message);
        Assert.Equal(before, await _mongo.AllAsync(Live));
        Assert.Null(await Collection(FullSyncOptions.DefaultLsnCollection).Find(new BsonDocument("lsn", new BsonDocument("$exists", true))).FirstOrDefaultAsync());
    }

    [Fact]
    public async Task WhatIf_validates_and_counts_but_writes_nothing()
    {
        var reporter = new RecordingReporter(approve: false);

        var result = await Run(Options(), reporter);

        Assert.Null(result);
        Assert.Contains("1,000 rows", Assert.Single(reporter.Questions).Action);
        Assert.Empty(await (await _mongo.Database.ListCollectionNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task A_run_stopped_at_its_time_limit_has_one_id_in_the_journal_the_statistics_and_the_resume()
    {
        var journal = new SyncTools.Core.Status.FileRunJournal(Path.Combine(Path.GetTempPath(), $"fullsync-{Guid.NewGuid():N}.jsonl"));
        var reporter = new RecordingReporter();

        await Assert.ThrowsAsync<JobAbortedException>(() => SyncTools.Core.Status.Journaled.RunAsync(journal, StartFullSyncJob.Name, TestEndpoints.Source, TestEndpoints.Target, reporter,
            () => Run(Options() with { MaxDuration = TimeSpan.Zero }), CancellationToken.None));
        var stopped = (await Statistics())!["runId"].AsString;
        await Run(Options() with { Resume = true }, reporter);

        var entry = Assert.Single(await journal.ReadAsync(reporter, CancellationToken.None).ToListAsync());
        Assert.Equal(SyncTools.Core.Status.RunStatus.Aborted, entry.Status);
        Assert.Equal(stopped, entry.RunId.ToString());
        Assert.Equal(stopped, (await Statistics())!["resumedFrom"].AsString);
        Assert.Contains(reporter.Verboses, v => v.StartsWith($"Resuming run {stopped}", StringComparison.Ordinal));
        File.Delete(journal.Location);
    }

    [Fact]
    public async Task A_MongoDB_server_that_dies_mid_copy_fails_at_once_with_one_warning()
    {
        using var server = await PrivateMongoServer.StartAsync();
        var mongo = new SyncTools.Core.MongoDb.MongoEndpoint(server.ConnectionString);
        var reporter = new RecordingReporter();
        var running = Run(Options(pageSize: 5) with { Mongo = mongo }, reporter);
        var temp = mongo.Client.GetDatabase(_mongo.Name).GetCollection<BsonDocument>(Live + StartFullSyncJob.TempSuffix);
        while (await temp.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty) < 50) await Task.Delay(20);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        server.Kill();
        var failed = await Assert.ThrowsAsync<SyncToolsException>(() => running);

        Assert.Equal((JobErrorCategory.ConnectionError, "MongoUnreachable"), (failed.Category, failed.ErrorId));
        Assert.Contains("stopped answering", Assert.Single(reporter.Warnings));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20)); // no clean-up waits out 30 s timeouts (it took 65 s)
    }

    [Fact]
    public async Task A_missing_slot_table_or_a_key_that_is_not_unique_is_a_clear_error()
    {
        await Execute($"CREATE TABLE {_schema}.loose (id integer, name text); CREATE TABLE {_schema}.other (id int PRIMARY KEY)");

        var slot = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { SlotName = "no_such_slot" }));
        var table = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Table = "absent" }));
        var key = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Table = "loose", PrimaryKey = "id" }));
        var filter = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Where = "no_such_column > 1" }));

        Assert.Equal(("PgSlotNotFound", JobErrorCategory.ObjectNotFound), (slot.ErrorId, slot.Category));
        Assert.Contains("no_such_slot", slot.Message);
        Assert.Equal("PgTableNotFound", table.ErrorId);
        Assert.Equal("PgKeyNotUnique", key.ErrorId);
        Assert.Equal(("PgFilterInvalid", JobErrorCategory.InvalidArgument), (filter.ErrorId, filter.Category));
        Assert.Empty(await (await _mongo.Database.ListCollectionNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task Passwords_appear_in_no_message_result_or_statistics()
    {
        const string password = "Fs-S3cret-7x!";
        var role = TestServices.UniqueName("fsuser").Replace('-', '_');
        await Execute($"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Username = role, Password = password }.ConnectionString;
            var reporter = new RecordingReporter();
            var result = await Run(Options() with { Postgres = new PgSource(connection) }, reporter);
            var refused = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Postgres = new PgSource(connection, password: "wrong-" + password) }));

            Assert.Equal("PgAuthenticationFailed", refused.ErrorId);
            var everything = string.Join("\n", reporter.AllText.Concat([refused.Message, result!.Source, result.Target, (await Statistics())!.ToString()]));
            Assert.DoesNotContain(password, everything);
            Assert.Contains(role, refused.Message);
        }
        finally
        {
            await Execute($"DROP ROLE {role}");
        }
    }
}
