using System.Collections.Concurrent;
using SyncTools.Core.ClusterIds;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using SyncTools.Core.Tests.Support;
using MongoDB.Bson;

namespace SyncTools.Core.Tests.ClusterIds;

/// <summary>Update-ClusterId's engine against CongoDB and MariaDB.</summary>
public class UpdateClusterIdJobTests : IAsyncLifetime
{
    private const string Table = "CREATE TABLE cm_cluster_id (id INT AUTO_INCREMENT PRIMARY KEY, cluster_id VARCHAR(40) NOT NULL, UNIQUE KEY (cluster_id)) CHARACTER SET utf8mb3";
    private readonly MySqlTestDatabase _mysql = new();
    private readonly MongoTestDatabase _mongo = new();

    public async Task InitializeAsync()
    {
        await _mysql.InitializeAsync();
        await _mongo.InitializeAsync();
        await _mysql.ExecuteAsync(Table);
    }

    public async Task DisposeAsync()
    {
        await _mongo.DisposeAsync();
        await _mysql.DisposeAsync();
    }

    private ClusterIdOptions Options => new() { Mongo = _mongo.Endpoint, MongoDatabase = _mongo.Name, MySql = _mysql.Source };

    private Task AddTrips(params BsonValue[] ids) =>
        _mongo.Database.GetCollection<BsonDocument>("cluster_trips").InsertManyAsync(ids.Select(id => new BsonDocument { { "_id", id }, { "trips", new BsonArray { 1, 2 } } }));

    private Task<List<string>> MySqlIds() => _mysql.ColumnAsync("SELECT cluster_id FROM cm_cluster_id ORDER BY cluster_id");

    private static async Task<ClusterIdResult> Run(ClusterIdOptions options, RecordingReporter? reporter = null, Action<string>? inserted = null) =>
        (await UpdateClusterIdJob.RunAsync(options, reporter ?? new RecordingReporter(), inserted, CancellationToken.None))!;

    [Fact]
    public async Task Inserts_the_ids_MySQL_lacks_objectids_as_hex_and_other_types_by_the_rule()
    {
        var oid = ObjectId.Parse("64b7f0c2a1b2c3d4e5f60718");
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        await AddTrips(oid, "route-7", 42, 9_000_000_000L, new BsonBinaryData(guid, GuidRepresentation.Standard), 12.5);
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id (cluster_id) VALUES ('route-7')");
        var sent = new ConcurrentQueue<string>();

        var result = await Run(Options, inserted: sent.Enqueue);

        Assert.Equal((6L, 1L, 5L, 0L), (result.SourceIds, result.AlreadyPresent, result.Inserted, result.Skipped));
        Assert.Equal(["00112233-4455-6677-8899-aabbccddeeff", "12.5", "42", "64b7f0c2a1b2c3d4e5f60718", "9000000000", "route-7"], (await MySqlIds()).Order(StringComparer.Ordinal));
        Assert.Equal(5, sent.Count);
        Assert.Equal(("Update-ClusterId", $"{_mongo.Name}.cluster_trips", $"{_mysql.Name}.cm_cluster_id.cluster_id"), (result.Job, result.Source, result.Target));
    }

    [Fact]
    public async Task Two_ids_of_the_same_text_are_inserted_once()
    {
        await AddTrips(5, "5", "Route-9", "route-9", 7);
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id (cluster_id) VALUES ('7')");

        var result = await Run(Options);

        // 5 and "5" are one id as text; MySQL's collation takes "Route-9" and "route-9" for one too (whichever is read first).
        Assert.Equal((5L, 3L, 2L), (result.SourceIds, result.AlreadyPresent, result.Inserted));
        Assert.Equal(["5", "7", "route-9"], (await MySqlIds()).Select(id => id.ToLowerInvariant()));
    }

    [Fact]
    public async Task Ids_spread_over_many_files_compare_as_one_set_and_are_inserted_in_MongoDBs_order()
    {
        // 3,000 ids over the job's 64 files: every third in MySQL already, in upper case; every fifth twice in MongoDB, in two cases.
        var ids = Enumerable.Range(0, 3000).Select(i => $"trip-{i:x}").ToList();
        await AddTrips([.. ids.Select(id => (BsonValue)id), .. ids.Where((_, i) => i % 5 == 0).Select(id => (BsonValue)id.ToUpperInvariant().Replace("TRIP", "Trip"))]);
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id (cluster_id) VALUES " + string.Join(",", ids.Where((_, i) => i % 3 == 0).Select(id => $"('{id.ToUpperInvariant()}')")));
        var reporter = new RecordingReporter();
        var sent = new ConcurrentQueue<string>();

        var result = await Run(Options with { BatchSize = 128 }, reporter, sent.Enqueue);

        Assert.Equal("Insert 2,000 cluster ids (trip-1, trip-2, trip-4, trip-5, trip-7, ...)", Assert.Single(reporter.Questions).Action);
        // Present: the 1,000 MySQL held and the 600 second cases, whose first case is present or inserted.
        Assert.Equal((3600L, 1600L, 2000L), (result.SourceIds, result.AlreadyPresent, result.Inserted));
        Assert.Equal(ids.Order(StringComparer.Ordinal), (await MySqlIds()).Select(id => id.ToLowerInvariant()).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Where((_, i) => i % 3 != 0), sent); // in MongoDB's order, as the documents were inserted
    }

    [Fact]
    public async Task Ids_too_many_for_memory_go_to_temporary_files_that_no_run_leaves_open_stopped_or_finished()
    {
        // 10,000 ids of 600 characters, half in MySQL: about 95 KiB of MongoDB's ids a file, past what a spool keeps in memory.
        await _mysql.ExecuteAsync("CREATE TABLE long_ids (cluster_id VARCHAR(700) NOT NULL, UNIQUE KEY (cluster_id)) CHARACTER SET ascii");
        var ids = Enumerable.Range(0, 10_000).Select(i => $"{i:D6}".PadRight(600, 'x')).ToList();
        await AddTrips([.. ids.Select(id => (BsonValue)id)]);
        await _mysql.ExecuteAsync("INSERT INTO long_ids VALUES " + string.Join(",", ids.Where((_, i) => i % 2 == 0).Select(id => $"('{id}')")));
        var open = 0;
        using var cancel = new CancellationTokenSource();
        var stopping = new RecordingReporter(onProgress: p =>
        {
            if (!p.Activity.StartsWith("Inserting", StringComparison.Ordinal) || cancel.IsCancellationRequested) return;
            open = SpoolFiles.Open(UpdateClusterIdJob.SpoolName).Length;
            cancel.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => UpdateClusterIdJob.RunAsync(Options with { Table = "long_ids" }, stopping, null, cancel.Token));

        Assert.True(open >= 65, $"{open} spool files were open while inserting");
        Assert.Empty(SpoolFiles.Open(UpdateClusterIdJob.SpoolName));
        var rest = await Run(Options with { Table = "long_ids" });
        Assert.Equal(4_000, rest.Inserted); // the first batch of 1,000 went in before the stop
        Assert.Equal(10_000, (await _mysql.ColumnAsync("SELECT cluster_id FROM long_ids")).Count);
        Assert.Empty(SpoolFiles.Open(UpdateClusterIdJob.SpoolName));
    }

    [Fact]
    public async Task Nothing_missing_inserts_nothing_and_asks_nothing()
    {
        await AddTrips("a", "b");
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id (cluster_id) VALUES ('a'), ('b'), ('extra')");
        var reporter = new RecordingReporter();

        var result = await Run(Options, reporter);

        Assert.Equal((2L, 2L, 0L), (result.SourceIds, result.AlreadyPresent, result.Inserted));
        Assert.Empty(reporter.Questions);
    }

    [Fact]
    public async Task A_re_run_inserts_nothing_twice()
    {
        await AddTrips(Enumerable.Range(0, 250).Select(i => (BsonValue)$"c{i}").ToArray());

        var first = await Run(Options with { BatchSize = 100 });
        var second = await Run(Options with { BatchSize = 100 });

        Assert.Equal(250, first.Inserted);
        Assert.Equal((0L, 250L), (second.Inserted, second.AlreadyPresent));
        Assert.Equal(250, (await MySqlIds()).Count);
    }

    [Fact]
    public async Task Two_runs_at_once_insert_each_id_once_and_fail_on_nothing()
    {
        await AddTrips(Enumerable.Range(0, 2000).Select(i => (BsonValue)$"c{i}").ToArray());

        var results = await Task.WhenAll(Run(Options with { BatchSize = 50 }), Run(Options with { BatchSize = 50 }));

        Assert.Equal(2000, results.Sum(r => r.Inserted));
        Assert.Equal(2000, (await MySqlIds()).Distinct().Count());
        Assert.Equal(2000, (await MySqlIds()).Count);
    }

    [Fact]
    public async Task Without_a_unique_key_it_warns_and_still_inserts_nothing_twice()
    {
        await _mysql.ExecuteAsync("CREATE TABLE loose (cluster_id VARCHAR(40))");
        await _mysql.ExecuteAsync("INSERT INTO loose VALUES ('a')");
        await AddTrips("a", "b");
        var reporter = new RecordingReporter();

        await Run(Options with { Table = "loose" }, reporter);
        var again = await Run(Options with { Table = "loose" });

        Assert.Contains("has no unique key of its own", Assert.Single(reporter.Warnings));
        Assert.Equal(0, again.Inserted);
        Assert.Equal(["a", "b"], (await _mysql.ColumnAsync("SELECT cluster_id FROM loose ORDER BY 1")));
    }

    [Fact]
    public async Task WhatIf_lists_what_would_be_inserted_and_inserts_nothing()
    {
        await AddTrips("x", "y");
        var reporter = new RecordingReporter(approve: false);

        Assert.Null(await UpdateClusterIdJob.RunAsync(Options, reporter, null, CancellationToken.None));

        Assert.Equal(($"{_mysql.Name}.cm_cluster_id.cluster_id", "Insert 2 cluster ids (x, y)"), Assert.Single(reporter.Questions));
        Assert.Empty(await MySqlIds());
    }

    [Fact]
    public async Task An_id_too_long_for_the_column_is_skipped_with_an_error_naming_it()
    {
        await AddTrips("ok", new string('z', 41));
        var reporter = new RecordingReporter();

        var result = await Run(Options, reporter);

        Assert.Equal((1L, 1L), (result.Inserted, result.Skipped));
        var error = Assert.Single(reporter.Errors);
        Assert.Equal((JobErrorCategory.InvalidData, "ClusterIdSkipped"), (error.Category, error.ErrorId));
        Assert.Contains("is longer than `cluster_id` allows (40)", error.Message);
    }

    [Fact]
    public async Task MongoDB_down_is_an_error_and_MySQL_is_untouched()
    {
        await _mysql.ExecuteAsync("INSERT INTO cm_cluster_id (cluster_id) VALUES ('kept')");
        var down = new MongoEndpoint("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=200");


        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { Mongo = down }));

        Assert.Equal((JobErrorCategory.ConnectionError, "MongoUnreachable"), (error.Category, error.ErrorId));
        Assert.Equal(["kept"], await MySqlIds());
    }

    [Fact]
    public async Task MySQL_down_is_an_error_that_hides_the_password()
    {
        var down = new MySqlSource("Server=127.0.0.1;Port=9;User ID=sync;Password=hunter2;Connection Timeout=2", database: "x");

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { MySql = down }));

        Assert.Equal((JobErrorCategory.ConnectionError, "MySqlUnreachable"), (error.Category, error.ErrorId));
        Assert.StartsWith("Cannot reach MySQL at sync@127.0.0.1:9/x", error.Message);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no_such_table", "cluster_id", "MySqlTableNotFound", "has no table")]
    [InlineData("cm_cluster_id", "no_such_column", "MySqlColumnNotFound", "has no column `no_such_column`")]
    [InlineData("cm_cluster_id`; DROP TABLE cm_cluster_id; --", "cluster_id", "MySqlTableNotFound", "has no table")]
    public async Task An_unknown_table_or_column_is_an_error_before_any_work(string table, string column, string errorId, string says)
    {
        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { Table = table, Column = column }));

        Assert.Equal((JobErrorCategory.ObjectNotFound, errorId), (error.Category, error.ErrorId));
        Assert.Contains(says, error.Message);
        Assert.Single(await _mysql.ColumnAsync("SHOW TABLES LIKE 'cm_cluster_id'"));
    }

    [Fact]
    public async Task A_MongoDB_collection_that_does_not_exist_is_an_error_not_an_empty_source()
    {
        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { MongoDatabase = _mongo.Name + "_typo" }));

        Assert.Equal((JobErrorCategory.ObjectNotFound, "MongoCollectionNotFound"), (error.Category, error.ErrorId));
        Assert.Contains("-MongoDatabase", error.Message);
    }

    [Fact]
    public void The_id_rule_covers_each_type()
    {
        Assert.Equal("64b7f0c2a1b2c3d4e5f60718", ClusterIdText.From(ObjectId.Parse("64b7f0c2a1b2c3d4e5f60718")));
        Assert.Equal("-5", ClusterIdText.From(-5));
        Assert.Equal("3", ClusterIdText.From(3.0));
        Assert.Equal("1.5E+300", ClusterIdText.From(1.5e300));
        Assert.Equal("1.50", ClusterIdText.From(new Decimal128(1.50m)));
        Assert.Equal("1970-01-01T00:00:01.000Z", ClusterIdText.From(new BsonDateTime(1000)));
        Assert.Null(ClusterIdText.From(BsonNull.Value));
        Assert.Null(ClusterIdText.From(null));
        Assert.Null(ClusterIdText.From(new BsonDocument("a", 1)));
        Assert.Null(ClusterIdText.From(new BsonBinaryData([1, 2])));
        Assert.Null(ClusterIdText.From(double.NaN));
    }
}
