using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;
using Npgsql;
using SyncTools.Core.ChangeSync;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;
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
        _pg = await new PgSource(TestServices.Postgres).OpenAsync(CancellationToken.None); // as the jobs connect: arrays with NULLs read

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
    private async Task AssertCollectionEqualsTable(string table = "items", string? where = null)
    {
        var pager = await KeysetPager.CreateAsync(_pg, _schema, table, null, where, 1000, CancellationToken.None);
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

    [Fact]
    public async Task Every_type_the_full_sync_maps_arrives_as_it_writes_it_and_an_unchanged_TOAST_value_is_kept()
    {
        await Execute($$"""
            CREATE TYPE {{_schema}}.mood AS ENUM ('sad', 'happy');
            CREATE TABLE {{_schema}}.kinds (id bigint PRIMARY KEY, small smallint, amount numeric(10, 2), huge numeric, label text, code varchar(5), padded char(4),
                uid uuid, raw bytea, at timestamptz, local timestamp, day date, flag boolean, ratio double precision, real4 real, doc json, bin jsonb,
                ints int[], words text[], feeling {{_schema}}.mood, span interval, big text, nothing text);
            ALTER PUBLICATION {{_slot}} ADD TABLE {{_schema}}.kinds;
            """);
        await Execute($"INSERT INTO {_schema}.kinds (id, label, big) VALUES (1, 'seed', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i))");
        await StartFullSyncJob.RunAsync(FullSync("kinds"), new RecordingReporter(), CancellationToken.None);
        await Execute($$"""
            INSERT INTO {{_schema}}.kinds VALUES (9007199254740993, -7, 12.50, 123456789012345678901234567890123456789.5, 'ünï', 'v', 'ab',
                '00112233-4455-6677-8899-aabbccddeeff', 'Þadbeef', '2024-02-29 13:14:15.678+02', '2024-02-29 13:14:15.678', '2024-03-01', true, 1.5, 2.25,
                '{"a": 1, "a": 2, "big": 12345678901234567890}', '{"n": [1, 2.5, null]}', '{1,NULL}', ARRAY['x', NULL], 'happy', '1 day 02:03:04', 'short', NULL)
            """);
        await Execute($"UPDATE {_schema}.kinds SET label = 'changed' WHERE id = 1"); // big is TOASTed and unchanged: the WAL leaves it out
        await Execute($"UPDATE {_schema}.kinds SET real4 = 0.5 WHERE id = 9007199254740993"); // a key beyond Int32 and double precision

        var result = await Run(Options("kinds"));

        // The seed row's insert was pending when the full sync took its LSN (the last pending change), so it is delivered again: at least once.
        Assert.Equal((4L, 1L, 3L), (result!.Transactions, result.Inserted, result.Updated));
        await AssertCollectionEqualsTable("kinds");
    }

    [Fact]
    public async Task A_delete_that_carries_only_the_key_is_applied_to_a_table_with_a_NOT_NULL_domain()
    {
        await Execute($$"""
            CREATE DOMAIN {{_schema}}.required_text AS text NOT NULL CHECK (VALUE <> '');
            CREATE TABLE {{_schema}}.tagged (id integer PRIMARY KEY, tag {{_schema}}.required_text, note text);
            INSERT INTO {{_schema}}.tagged SELECT i, 'tag ' || i, NULL FROM generate_series(1, 5) i;
            ALTER PUBLICATION {{_slot}} ADD TABLE {{_schema}}.tagged;
            """);
        await StartFullSyncJob.RunAsync(FullSync("tagged"), new RecordingReporter(), CancellationToken.None);
        await Execute($"DELETE FROM {_schema}.tagged WHERE id = 2"); // the WAL carries the key alone: tag arrives as NULL
        await Execute($"UPDATE {_schema}.tagged SET tag = 'renamed' WHERE id = 3");

        var result = await Run(Options("tagged"));

        Assert.Equal((2L, 1L, 1L), (result!.Transactions, result.Updated, result.Deleted));
        await AssertCollectionEqualsTable("tagged");
    }

    [Fact]
    public async Task Keeps_to_the_full_syncs_filter_rows_that_leave_it_are_removed_and_rows_that_enter_it_arrive()
    {
        const string where = "name NOT LIKE 'hidden%'";
        await Execute($"UPDATE {_schema}.items SET name = 'hidden ' || id WHERE id % 3 = 0");
        await StartFullSyncJob.RunAsync(FullSync() with { Where = where }, new RecordingReporter(), CancellationToken.None);
        await Execute($"INSERT INTO {_schema}.items VALUES (1001, 'shown', NULL, NULL, NULL, NULL, NULL), (1002, 'hidden too', NULL, NULL, NULL, NULL, NULL)");
        await Execute($"UPDATE {_schema}.items SET name = 'hidden now' WHERE id = 1");
        await Execute($"UPDATE {_schema}.items SET name = 'shown now' WHERE id = 3");

        var result = await Run(Options());

        Assert.Equal((2L, 1L), (result!.Inserted, result.Deleted)); // 1001 and 3 arrive; 1 leaves
        await AssertCollectionEqualsTable(where: where);
    }

    [Fact]
    public async Task A_TOAST_value_the_WAL_leaves_out_is_kept_through_a_key_change_and_decides_the_filter()
    {
        // The filter reads big: taken as NULL, it would remove the document of every update that leaves big unchanged.
        const string where = "length(big) > 1000 AND name <> 'hidden'";
        await Execute($"""
            CREATE TABLE {_schema}.docs (id integer PRIMARY KEY, name text, big text);
            ALTER PUBLICATION {_slot} ADD TABLE {_schema}.docs;
            INSERT INTO {_schema}.docs SELECT i, 'doc ' || i, (SELECT string_agg(md5((i * 1000 + j)::text), '') FROM generate_series(1, 400) j) FROM generate_series(1, 6) i;
            """);
        await StartFullSyncJob.RunAsync(FullSync("docs") with { Where = where }, new RecordingReporter(), CancellationToken.None);

        // The default replica identity: the old row is the key alone, so big (TOASTed, unchanged) is in neither row.
        await Execute($"UPDATE {_schema}.docs SET id = 202 WHERE id = 2");
        await Execute($"UPDATE {_schema}.docs SET name = 'renamed' WHERE id = 1");
        await Execute($"UPDATE {_schema}.docs SET name = 'hidden' WHERE id = 4");
        await Run(Options("docs"));
        await AssertCollectionEqualsTable("docs", where);

        // REPLICA IDENTITY FULL: the old row is whole and carries big.
        await Execute($"ALTER TABLE {_schema}.docs REPLICA IDENTITY FULL");
        await Execute($"UPDATE {_schema}.docs SET id = 303 WHERE id = 3");
        await Execute($"UPDATE {_schema}.docs SET name = 'renamed again' WHERE id = 1");
        await Execute($"UPDATE {_schema}.docs SET name = 'hidden' WHERE id = 5");
        await Run(Options("docs"));
        await AssertCollectionEqualsTable("docs", where);
        Assert.Equal(4, (await _mongo.AllAsync(Live)).Count); // 1, 202, 303 and 6
    }

    [Fact]
    public async Task Another_key_than_the_full_syncs_is_refused_and_a_full_sync_not_on_record_is_warned_of()
    {
        await Execute($"ALTER TABLE {_schema}.items ADD COLUMN code text UNIQUE; UPDATE {_schema}.items SET code = 'c' || id; ALTER TABLE {_schema}.items ALTER COLUMN code SET NOT NULL");
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);

        var otherKey = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { PrimaryKey = "code" }));
        await _mongo.Collection(FullSyncOptions.DefaultStatisticsCollection).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty);
        var reporter = new RecordingReporter();
        var unrecorded = await Run(Options(), reporter);

        Assert.Equal(("ChangeSyncKeyMismatch", JobErrorCategory.InvalidArgument), (otherKey.ErrorId, otherKey.Category));
        Assert.Contains("by the key id", otherKey.Message);
        Assert.NotNull(unrecorded);
        Assert.Contains("filter (-Where) is unknown", Assert.Single(reporter.Warnings));
    }

    [Fact]
    public async Task Following_a_stream_of_another_tables_changes_moves_the_published_LSN_on()
    {
        await Execute($"CREATE TABLE {_schema}.noise (id serial PRIMARY KEY, at timestamptz DEFAULT now()); ALTER PUBLICATION {_slot} ADD TABLE {_schema}.noise");
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        // Transactions of another table of the publication, from two writers: the stream is never idle for long.
        var writer = Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(TestServices.Postgres);
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await using var insert = new NpgsqlCommand($"INSERT INTO {_schema}.noise DEFAULT VALUES", connection);
                await insert.ExecuteNonQueryAsync();
            }
        })));
        var following = Run(Options() with { Follow = true, MaxDuration = TimeSpan.FromSeconds(9) });
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // streaming by now, under the writers

        var early = NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await PublishedLsn())!["lsn"].AsString);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var later = NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await PublishedLsn())!["lsn"].AsString);
        await stop.CancelAsync();
        await writer;
        await following;

        Assert.True(later > early, $"the published LSN stayed at {early} for 5 s while the slot streamed other tables' transactions");
    }

    [Fact]
    public async Task The_preview_counts_the_truncates_of_its_own_table_only()
    {
        await Execute($"CREATE TABLE {_schema}.other (id integer PRIMARY KEY); CREATE TABLE {_schema}.third (id integer PRIMARY KEY); ALTER PUBLICATION {_slot} ADD TABLE {_schema}.other, {_schema}.third");
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"TRUNCATE {_schema}.other, {_schema}.third");
        await Execute($"DELETE FROM {_schema}.items WHERE id = 1");
        var others = new RecordingReporter();
        await Run(Options(), others);
        await Execute($"TRUNCATE {_schema}.third, {_schema}.items");
        var own = new RecordingReporter();

        var truncated = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options(), own));

        var question = Assert.Single(others.Questions).Action;
        Assert.True(question.Contains("0 inserts, 0 updates, 1 deletes pending)", StringComparison.Ordinal), question);
        Assert.Contains("1 truncates (which stop the run)", Assert.Single(own.Questions).Action);
        Assert.Equal("ChangeSyncTruncated", truncated.ErrorId);
    }

    [Fact]
    public async Task A_slot_another_reader_moved_past_the_published_LSN_is_refused_not_skipped()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"UPDATE {_schema}.items SET name = 'lost' WHERE id = 1");
        await Execute($"SELECT pg_replication_slot_advance('{_slot}', pg_current_wal_lsn())"); // as another consumer of the slot would

        var ahead = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));

        Assert.Equal(("ChangeSyncSlotAhead", JobErrorCategory.InvalidOperation), (ahead.ErrorId, ahead.Category));
        Assert.Contains("Start-FullSync", ahead.Message);
        Assert.Contains("slot of its own", ahead.Message);
    }

    [Fact]
    public async Task After_a_full_sync_under_a_writer_the_change_sync_catches_up_to_the_table()
    {
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(TestServices.Postgres);
            await connection.OpenAsync();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = 1 + (i * 37 % 400);
                await using var command = new NpgsqlCommand($"""
                    INSERT INTO {_schema}.items VALUES ({id}, 'w{i}', {i}, NULL, NULL, now(), NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price;
                    DELETE FROM {_schema}.items WHERE id = {1 + (i * 53 % 400)};
                    """, connection);
                await command.ExecuteNonQueryAsync();
            }
        });
        await Task.Delay(200);
        await StartFullSyncJob.RunAsync(FullSync() with { PageSize = 10 }, new RecordingReporter(), CancellationToken.None);
        await Task.Delay(200);
        await stop.CancelAsync();
        await writer;

        var result = await Run(Options() with { BatchSize = 50 });

        Assert.True(result!.Transactions > 0);
        await AssertCollectionEqualsTable();
    }

    [Fact]
    public async Task Refuses_without_a_published_LSN_a_test_decoding_slot_an_unusable_replica_identity_or_a_missing_publication()
    {
        var noLsn = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));
        await Execute($"SELECT pg_create_logical_replication_slot('{_slot}_td', 'test_decoding')");
        var plugin = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { SlotName = _slot + "_td" }));
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"ALTER TABLE {_schema}.items REPLICA IDENTITY NOTHING");
        var identity = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));
        await Execute($"ALTER TABLE {_schema}.items REPLICA IDENTITY DEFAULT");
        var publication = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Publication = "absent_pub" }));
        var badSlot = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { SlotName = "Bad-Slot'" }));

        Assert.Equal(("ChangeSyncNoPublishedLsn", JobErrorCategory.InvalidOperation), (noLsn.ErrorId, noLsn.Category));
        Assert.Contains("Start-FullSync", noLsn.Message);
        Assert.Equal("PgSlotPluginUnsupported", plugin.ErrorId);
        Assert.Equal("PgReplicaIdentityUnusable", identity.ErrorId);
        Assert.Contains($"ALTER TABLE \"{_schema}\".\"items\" REPLICA IDENTITY FULL", identity.Message);
        Assert.Equal(("PgPublicationNotFound", JobErrorCategory.ObjectNotFound), (publication.ErrorId, publication.Category));
        Assert.Contains("-CreatePublication", publication.Message);
        Assert.Equal("PgSlotNameInvalid", badSlot.ErrorId);
    }

    [Fact]
    public async Task A_publication_of_some_rows_or_some_columns_is_refused_naming_the_filter_or_the_columns()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"CREATE PUBLICATION {_slot}_rows FOR TABLE {_schema}.items WHERE (id > 100); CREATE PUBLICATION {_slot}_cols FOR TABLE {_schema}.items (id, name, price)");
        try
        {
            var rows = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options() with { Publication = _slot + "_rows" }));
            var columns = await Assert.ThrowsAsync<SyncToolsException>(() => Start(FullSync() with { Publication = _slot + "_cols" }));

            Assert.Equal(("PgPublicationFiltered", JobErrorCategory.InvalidArgument), (rows.ErrorId, rows.Category));
            Assert.Contains("publishes only the rows of", rows.Message);
            Assert.Contains("id > 100", rows.Message);
            Assert.Equal("PgPublicationFiltered", columns.ErrorId);
            Assert.Contains("leaves out the columns tags, doc, at, note of", columns.Message);
        }
        finally
        {
            await Execute($"DROP PUBLICATION {_slot}_rows; DROP PUBLICATION {_slot}_cols");
        }

        static Task<FullSyncResult?> Start(FullSyncOptions options) => StartFullSyncJob.RunAsync(options, new RecordingReporter(), CancellationToken.None);
    }

    [Fact]
    public async Task A_second_run_on_the_same_target_is_refused_while_the_first_holds_it()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var following = Run(Options() with { Follow = true }, cancellationToken: stop.Token);
        await WaitFor(async () => await Scalar<bool>($"SELECT active FROM pg_replication_slots WHERE slot_name = '{_slot}'"));

        var second = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));
        await stop.CancelAsync();

        Assert.Equal(JobErrorCategory.ResourceBusy, second.Category);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following);
    }

    [Fact]
    public async Task A_truncate_or_a_column_change_stops_the_run_after_applying_the_transactions_before_it()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"UPDATE {_schema}.items SET name = 'before truncate' WHERE id = 1");
        await Execute($"TRUNCATE {_schema}.items");

        var truncated = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));

        Assert.Equal(("ChangeSyncTruncated", JobErrorCategory.InvalidData), (truncated.ErrorId, truncated.Category));
        Assert.Equal("before truncate", (await _mongo.Collection(Live).Find(new BsonDocument("_id", 1)).FirstAsync())["name"].AsString);
        Assert.Equal(300, await _mongo.Collection(Live).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));

        await Execute($"INSERT INTO {_schema}.items VALUES (1, 'again', NULL, NULL, NULL, NULL, NULL)");
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"ALTER TABLE {_schema}.items ADD COLUMN extra integer; UPDATE {_schema}.items SET extra = 1");

        var changed = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options()));

        Assert.Equal(("ChangeSyncTableChanged", JobErrorCategory.InvalidData), (changed.ErrorId, changed.Category));
        Assert.Contains("extra", changed.Message);
    }

    [Fact]
    public async Task WhatIf_previews_the_pending_changes_and_applies_and_acknowledges_none()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        await Execute($"DELETE FROM {_schema}.items WHERE id <= 3; UPDATE {_schema}.items SET name = 'x' WHERE id = 4");
        var before = (await _mongo.AllAsync(Live)).Select(Json).ToList();
        var lsn = (await PublishedLsn())!["lsn"].AsString;
        var reporter = new RecordingReporter(approve: false);

        var result = await Run(Options(), reporter);

        Assert.Null(result);
        Assert.Contains("0 inserts, 1 updates, 3 deletes pending", Assert.Single(reporter.Questions).Action);
        Assert.Equal(before, (await _mongo.AllAsync(Live)).Select(Json).ToList());
        Assert.Equal(lsn, (await PublishedLsn())!["lsn"].AsString);
        Assert.Equal(4, (await Run(Options()))!.Deleted + 1);
    }

    [Fact]
    public async Task A_terminated_replication_connection_fails_clearly_keeps_the_LSN_at_what_was_applied_and_a_rerun_catches_up()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var following = Run(Options() with { Follow = true }, cancellationToken: stop.Token);
        await Execute($"UPDATE {_schema}.items SET name = 'applied' WHERE id = 1");
        await WaitFor(async () => (await _mongo.Collection(Live).Find(new BsonDocument("_id", 1)).FirstAsync())["name"] == "applied");
        await Execute($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{_slot}'");
        await Execute($"UPDATE {_schema}.items SET name = 'after' WHERE id = 2");

        var failed = await Assert.ThrowsAsync<SyncToolsException>(() => following);
        var published = (await PublishedLsn())!["lsn"].AsString;
        var result = await Run(Options());

        Assert.StartsWith("Pg", failed.ErrorId);
        Assert.True(result!.Transactions >= 1);
        Assert.Equal(published, result.FromLsn);
        await AssertCollectionEqualsTable();
    }

    [Fact]
    public async Task A_MongoDB_server_that_dies_mid_run_fails_clearly_and_the_slot_keeps_what_was_not_acknowledged()
    {
        using var server = await PrivateMongoServer.StartAsync();
        var mongo = new SyncTools.Core.MongoDb.MongoEndpoint(server.ConnectionString);
        var database = _mongo.Name;
        await StartFullSyncJob.RunAsync(FullSync() with { Mongo = mongo }, new RecordingReporter(), CancellationToken.None);
        var fullSyncLsn = await Scalar<string>($"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{_slot}'");
        await Execute($$"""
            DO $$ BEGIN FOR batch IN 0..19 LOOP
              INSERT INTO {{_schema}}.items SELECT i, 'backlog', NULL, NULL, NULL, NULL, NULL FROM generate_series(1000 + batch * 1000, 1999 + batch * 1000) i;
              COMMIT;
            END LOOP; END $$
            """);
        var end = await Scalar<string>("SELECT pg_current_wal_lsn()::text");
        var reporter = new RecordingReporter();
        var running = Run(Options() with { Mongo = mongo, BatchSize = 500 }, reporter);
        await WaitFor(async () => await mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(Live).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty) > 2_000);

        server.Kill();
        var failed = await Assert.ThrowsAsync<SyncToolsException>(() => running);

        Assert.Equal(JobErrorCategory.ConnectionError, failed.Category);
        Assert.Contains($"{database}.{Live}", failed.Message);
        Assert.Contains("stopped answering", Assert.Single(reporter.Warnings)); // said once; no clean-up waits out more timeouts
        // The slot moved at most to what MongoDB acknowledged: never to the end of the backlog it did not finish.
        Assert.True(await Scalar<bool>($"SELECT confirmed_flush_lsn >= '{fullSyncLsn}'::pg_lsn AND confirmed_flush_lsn < '{end}'::pg_lsn FROM pg_replication_slots WHERE slot_name = '{_slot}'"));
        Assert.False(await Scalar<bool>($"SELECT active FROM pg_replication_slots WHERE slot_name = '{_slot}'"));

        // The server's memory is gone with it: copy anew, then follow.
        using var restarted = await PrivateMongoServer.StartAsync();
        var again = new SyncTools.Core.MongoDb.MongoEndpoint(restarted.ConnectionString);
        await StartFullSyncJob.RunAsync(FullSync() with { Mongo = again }, new RecordingReporter(), CancellationToken.None);
        await Execute($"UPDATE {_schema}.items SET name = 'after the restart' WHERE id = 1500");
        await Run(Options() with { Mongo = again });
        var pager = await KeysetPager.CreateAsync(_pg, _schema, "items", null, null, 5000, CancellationToken.None);
        var expected = new List<string>();
        await foreach (var page in pager.ReadAsync(_pg, null, CancellationToken.None)) expected.AddRange(page.Documents.Select(Json));
        var actual = (await again.Client.GetDatabase(database).GetCollection<BsonDocument>(Live).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(Json);
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public async Task The_time_limit_stops_a_run_after_the_transaction_being_read_not_inside_it()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        // One transaction of 5,000 inserts, written a change at a time (seconds), then one more: the limit of 1 s passes inside it.
        await Execute($"INSERT INTO {_schema}.items SELECT i, 'one transaction', NULL, NULL, NULL, NULL, NULL FROM generate_series(5001, 10000) i");
        await Execute($"INSERT INTO {_schema}.items VALUES (20001, 'the next', NULL, NULL, NULL, NULL, NULL)");
        var reporter = new RecordingReporter();

        var result = await Run(Options() with { BatchSize = 1, MaxDuration = TimeSpan.FromSeconds(1) }, reporter);

        Assert.Equal((1L, 5_000L), (result!.Transactions, result.Inserted));
        Assert.Equal(5_300, await _mongo.Collection(Live).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Contains(reporter.Verboses, v => v.Contains("at the time limit (00:00:01), after the transaction being read", StringComparison.Ordinal));
        Assert.Equal(1L, (await Run(Options()))!.Inserted); // the next run goes on from the transaction's end
    }

    [Fact]
    public async Task Follow_stops_at_MaxDuration_with_the_result_of_what_it_applied()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        var following = Run(Options() with { Follow = true, MaxDuration = TimeSpan.FromSeconds(3) });
        await Task.Delay(500);
        await Execute($"INSERT INTO {_schema}.items VALUES (5000, 'while following', NULL, NULL, NULL, NULL, NULL)");

        var result = await following;

        Assert.Equal((1L, 1L), (result!.Transactions, result.Inserted));
        Assert.Equal(TimeSpan.Zero, result.Lag);
        await AssertCollectionEqualsTable();
    }

    [Fact]
    public async Task Get_SyncStatus_Live_reads_the_slot_behind_and_retained_WAL_and_calls_it_unhealthy_past_the_bounds()
    {
        await StartFullSyncJob.RunAsync(FullSync(), new RecordingReporter(), CancellationToken.None);
        var run = await Run(Options());
        var journal = Path.Combine(Path.GetTempPath(), $"changesync-{Guid.NewGuid():N}.jsonl");
        try
        {
            await new FileRunJournal(journal).AppendAsync(
                new JournalEntry(run!.RunId, StartChangeSyncJob.Name, Options().Endpoints.Source.ToString(), Options().Endpoints.Target.ToString(), DateTimeOffset.UtcNow.AddSeconds(-1), DateTimeOffset.UtcNow,
                    RunStatus.Succeeded, new Dictionary<string, long>(), null, Options().Endpoints.Source, Options().Endpoints.Target),
                CancellationToken.None);
            var live = new LiveConnections(_mongo.Endpoint, null, new PgSource(TestServices.Postgres));
            async Task<SyncStatus> Status(SyncStatusOptions options) =>
                Assert.Single(await SyncStatusQuery.RunAsync(options with { Live = live }, new FileRunJournal(journal), new RecordingReporter(), CancellationToken.None));

            var healthy = await Status(new SyncStatusOptions());
            await Execute($"UPDATE {_schema}.items SET name = 'pending' WHERE id = 1"); // WAL the slot has not confirmed
            var behind = await Status(new SyncStatusOptions { MaxLag = TimeSpan.Zero, Now = DateTimeOffset.UtcNow.AddMinutes(5) });
            var retaining = await Status(new SyncStatusOptions { MaxRetainedWalBytes = 0 });
            await Execute($"SELECT pg_drop_replication_slot('{_slot}')");
            var gone = await Status(new SyncStatusOptions());

            Assert.True(healthy.IsHealthy, healthy.Reason);
            Assert.Equal((300L, 300L), (healthy.SourceCount, healthy.TargetCount));
            Assert.False(behind.IsHealthy);
            Assert.True(behind.LagBytes > 0);
            Assert.Contains("behind", behind.Reason);
            Assert.False(retaining.IsHealthy);
            Assert.Contains("holds back", retaining.Reason);
            Assert.True(retaining.RetainedWalBytes > 0);
            Assert.False(gone.IsHealthy);
            Assert.Contains("no longer exists", gone.Reason);
        }
        finally
        {
            File.Delete(journal);
        }
    }

    private static async Task WaitFor(Func<Task<bool>> condition)
    {
        for (var waited = 0; !await condition(); waited += 50)
        {
            if (waited > 15_000) throw new TimeoutException("The condition did not hold within 15 s.");
            await Task.Delay(50);
        }
    }
}
