using MongoDB.Driver;
using SyncTools.Core.ClusterIds;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.OrgSync;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;
using MongoDB.Bson;

namespace SyncTools.Core.Tests.Status;

/// <summary>Get-SyncStatus -Live against CongoDB and MariaDB: a target holding less than its source is unhealthy.</summary>
public sealed class LiveCountsTests : IAsyncLifetime
{
    private readonly string _journalPath = Path.Combine(Path.GetTempPath(), $"live-{Guid.NewGuid():N}.jsonl");
    private readonly MongoTestDatabase _mongo = new();
    private readonly MySqlTestDatabase _mysql = new();

    public async Task InitializeAsync()
    {
        await _mongo.InitializeAsync();
        await _mysql.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        File.Delete(_journalPath);
        await _mysql.DisposeAsync();
        await _mongo.DisposeAsync();
    }

    private async Task Journal(string job, SyncEndpoint source, SyncEndpoint target, Dictionary<string, long>? counts = null) =>
        await new FileRunJournal(_journalPath).AppendAsync(
            new JournalEntry(Guid.NewGuid(), job, source.ToString(), target.ToString(), DateTimeOffset.UtcNow.AddSeconds(-1), DateTimeOffset.UtcNow, RunStatus.Succeeded, counts ?? [], null, source, target),
            CancellationToken.None);

    private static readonly SyncEndpoint Snapshot = new(SyncEndpoint.S3, "s3.invalid:9000", "b", "k");

    private SyncEndpoint Links(string server) => new(SyncEndpoint.MongoDb, server, _mongo.Name, "links");

    private async Task<(SyncStatus Status, RecordingReporter Reporter)> Live(LiveConnections? connections = null)
    {
        var reporter = new RecordingReporter();
        var options = new SyncStatusOptions { Live = connections ?? new LiveConnections(_mongo.Endpoint, new SyncTools.Core.MySql.MySqlSource(TestServices.MySql)) };
        return (Assert.Single(await SyncStatusQuery.RunAsync(options, new FileRunJournal(_journalPath), reporter, CancellationToken.None)), reporter);
    }

    [Fact]
    public async Task Full_sync_counts_the_source_table_under_the_runs_filter_against_the_collection()
    {
        var schema = TestServices.UniqueName("live").Replace('-', '_');
        var slot = TestServices.UniqueName("liveslot").Replace('-', '_');
        await using var pg = new Npgsql.NpgsqlConnection(TestServices.Postgres);
        await pg.OpenAsync();
        async Task Execute(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, pg);
            await command.ExecuteNonQueryAsync();
        }

        await Execute($"CREATE SCHEMA {schema}; CREATE TABLE {schema}.t (id int PRIMARY KEY, v text); INSERT INTO {schema}.t SELECT i, 'v' FROM generate_series(1, 10) i");
        await Execute($"SELECT pg_create_logical_replication_slot('{slot}', 'test_decoding')");
        try
        {
            var postgres = new PgSource(TestServices.Postgres);
            var options = new FullSyncOptions { Postgres = postgres, Schema = schema, Table = "t", Where = "id <= 6", Mongo = _mongo.Endpoint, Database = _mongo.Name, Collection = "t", SlotName = slot };
            await StartFullSyncJob.RunAsync(options, new RecordingReporter(), CancellationToken.None);
            await Journal(StartFullSyncJob.Name, options.Endpoints.Source, options.Endpoints.Target);
            var connections = new LiveConnections(_mongo.Endpoint, null, postgres);

            var (synced, _) = await Live(connections);
            await Execute($"INSERT INTO {schema}.t VALUES (0, 'new'), (11, 'outside the filter')");
            var (behind, _) = await Live(connections);

            Assert.Equal((6L, 6L, true), (synced.SourceCount, synced.TargetCount, synced.IsHealthy));
            Assert.Equal((7L, 6L, false), (behind.SourceCount, behind.TargetCount, behind.IsHealthy));
        }
        finally
        {
            await Execute($"SELECT pg_drop_replication_slot('{slot}'); DROP SCHEMA {schema} CASCADE");
        }
    }

    [Fact]
    public async Task Tow_and_go_counts_the_applied_snapshots_links_against_the_collection()
    {
        var db = _mongo.Database;
        await db.GetCollection<BsonDocument>(SyncTowAndGoJob.StateCollection).InsertManyAsync([new BsonDocument { { "_id", "links" }, { "links", 3 } }]);
        await db.GetCollection<BsonDocument>("links").InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument { { "_id", (long)i }, { "link_id", (long)i } }));
        await Journal(SyncTowAndGoJob.Name, Snapshot, Links(_mongo.Endpoint.Server));

        var (healthy, _) = await Live();
        await db.GetCollection<BsonDocument>("links").DeleteOneAsync(new BsonDocument("_id", 2L));
        var (short_, _) = await Live();

        Assert.Equal((3L, 3L, true), (healthy.SourceCount, healthy.TargetCount, healthy.IsHealthy));
        Assert.Equal((3L, 2L, false), (short_.SourceCount, short_.TargetCount, short_.IsHealthy));
        Assert.Equal("The target holds 2, fewer than the source's 3: run the job, and look for records it skips.", short_.Reason);
    }

    [Fact]
    public async Task Org_sync_counts_the_rows_it_would_write_against_the_four_target_tables()
    {
        var org = new MySqlTestDatabase();
        await org.InitializeAsync();
        try
        {
            await _mysql.ExecuteAsync(LaasSchema.Create + """
                INSERT INTO institutes (id, name, created_at, updated_at) VALUES (1, 'A', NOW(), NOW());
                INSERT INTO users (id, email, password, is_active, created_at, updated_at) VALUES (1, 'a@x', 'h', 1, NOW(), NOW()), (2, 'b@x', 'h', 0, NOW(), NOW());
                INSERT INTO institute_user (institute_id, user_id, created_at, updated_at) VALUES (1, 1, NOW(), NOW()), (1, 2, NOW(), NOW());
                """);
            var server = new SyncTools.Core.MySql.MySqlSource(TestServices.MySql);
            var options = new OrgSyncOptions { Source = server, Target = server, SourceDatabase = _mysql.Name, TargetDatabase = org.Name, CreateTargetSchema = true };
            await OrgSyncJob.RunAsync(options, new RecordingReporter(), null, CancellationToken.None);
            await Journal(OrgSyncJob.Name, options.Endpoints.Source, options.Endpoints.Target);

            var (synced, _) = await Live();
            await org.ExecuteAsync("DELETE FROM user_auth");
            var (short_, _) = await Live();

            Assert.Equal((4L, 4L, true), (synced.SourceCount, synced.TargetCount, synced.IsHealthy));
            Assert.Equal((4L, 3L, false), (short_.SourceCount, short_.TargetCount, short_.IsHealthy));
        }
        finally
        {
            await org.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cluster_ids_count_MongoDB_documents_against_MySQL_ids()
    {
        await _mongo.Database.GetCollection<BsonDocument>("cluster_trips").InsertManyAsync(new[] { "a", "b", "c" }.Select(id => new BsonDocument("_id", id)));
        await _mysql.ExecuteAsync("CREATE TABLE cm_cluster_id (cluster_id VARCHAR(40) PRIMARY KEY)");
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id VALUES ('a'), ('b')");
        await Journal(UpdateClusterIdJob.Name, new SyncEndpoint(SyncEndpoint.MongoDb, _mongo.Endpoint.Server, _mongo.Name, "cluster_trips"),
            new SyncTools.Core.MySql.MySqlSource(TestServices.MySql).WithDatabase(_mysql.Name).Endpoint("cm_cluster_id", "cluster_id"));

        var (status, _) = await Live();
        await Journal(UpdateClusterIdJob.Name, new SyncEndpoint(SyncEndpoint.MongoDb, _mongo.Endpoint.Server, _mongo.Name, "cluster_trips"),
            new SyncTools.Core.MySql.MySqlSource(TestServices.MySql).WithDatabase(_mysql.Name).Endpoint("cm_cluster_id", "cluster_id"), new() { ["Skipped"] = 1 });
        var (allowed, _) = await Live();

        Assert.Equal((3L, 2L, SyncHealth.Unhealthy), (status.SourceCount, status.TargetCount, status.Health));
        Assert.Equal("The target holds 2, fewer than the source's 3: run the job, and look for records it skips.", status.Reason);
        Assert.Equal(SyncHealth.Degraded, allowed.Health); // the id the run skipped is allowed for, and said
        Assert.Equal("The last run succeeded with 0 failed and 1 skipped rows (so the target holds 2 of the source's 3): see the run's errors.", allowed.Reason);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_a_warning_and_the_journal_still_speaks()
    {
        var down = new MongoEndpoint("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=200");
        await Journal(SyncTowAndGoJob.Name, Snapshot, Links(down.Server));

        var (status, reporter) = await Live(new LiveConnections(down, null));

        Assert.True(status.IsHealthy);
        Assert.Null(status.TargetCount);
        Assert.StartsWith($"Sync-TowAndGoToMongo mongodb://127.0.0.1:9/{_mongo.Name}/links could not be counted: Cannot reach MongoDB", Assert.Single(reporter.Warnings));
    }

    [Fact]
    public async Task A_server_of_a_kind_not_given_is_a_warning_naming_what_to_give_not_a_silent_blank()
    {
        await Journal(SyncTowAndGoJob.Name, Snapshot, Links(_mongo.Endpoint.Server));

        var (status, reporter) = await Live(new LiveConnections(null, new SyncTools.Core.MySql.MySqlSource(TestServices.MySql)));

        Assert.Equal((null, null, true), (status.SourceCount, status.TargetCount, status.IsHealthy));
        Assert.Equal($"Sync-TowAndGoToMongo {status.Target} could not be counted: {status.Target} is on {_mongo.Endpoint.Server}, and no MongoDB server was given to count in: not counted. Give -MongoConnectionString (or set MONGODB_URI) for its server.",
            Assert.Single(reporter.Warnings));
    }

    [Fact]
    public async Task A_row_is_counted_on_the_server_it_names_never_on_another_one_given()
    {
        await Journal(SyncTowAndGoJob.Name, Snapshot, Links("nohost.invalid:27017"));

        var (status, reporter) = await Live();

        Assert.Equal((null, null, true), (status.SourceCount, status.TargetCount, status.IsHealthy));
        Assert.Equal($"mongodb://nohost.invalid:27017/{_mongo.Name}/links", status.Target);
        Assert.Contains($"is on nohost.invalid:27017, not on {_mongo.Endpoint.Server}, the server given to count in: not counted. Give -MongoConnectionString (or set MONGODB_URI) for its server.", Assert.Single(reporter.Warnings));
    }

    [Fact]
    public async Task An_entry_from_before_the_journal_kept_endpoints_is_read_and_not_counted()
    {
        await new FileRunJournal(_journalPath).AppendAsync(
            new JournalEntry(Guid.NewGuid(), SyncTowAndGoJob.Name, "s3://b/k", $"{_mongo.Name}.links", DateTimeOffset.UtcNow.AddSeconds(-1), DateTimeOffset.UtcNow, RunStatus.Succeeded, new Dictionary<string, long>(), null),
            CancellationToken.None);

        var (status, reporter) = await Live();

        Assert.Equal(($"{_mongo.Name}.links", true, (long?)null), (status.Target, status.IsHealthy, status.TargetCount));
        Assert.Empty(reporter.Warnings);
    }
}
