using System.Text.Json.Nodes;
using SyncTools.Core.Tests.Reference;
using System.Text;
using Amazon.S3.Model;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;
using MongoDB.Bson;

namespace SyncTools.Core.Tests.TowAndGo;

/// <summary>Sync-TowAndGoToMongo's engine end to end: snapshots uploaded to s3rver, synced into CongoDB.</summary>
public class SyncTowAndGoJobTests : IAsyncLifetime
{
    private readonly S3TestBucket _bucket = new();
    private readonly MongoTestDatabase _mongo = new();

    public async Task InitializeAsync()
    {
        await _bucket.InitializeAsync();
        await _mongo.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _mongo.DisposeAsync();
        await _bucket.DisposeAsync();
    }

    private static string Snapshot(long lastModified, params (long Link, long? Segment)[] links) =>
        $$"""{"last_modified": {{lastModified}}, "tow_and_go": [{{string.Join(",", links.Select(l => $$"""{"link_id": {{l.Link}}, "segment_id": {{(l.Segment?.ToString() ?? "null")}}}"""))}}]}""";

    private async Task<TowAndGoUploadResult> Upload(string json, string? key = null, bool compress = false) =>
        (await SendTowAndGoJob.RunAsync(new TowAndGoUploadOptions
        {
            Snapshot = SnapshotInput.FromText(json, "-Json"),
            Bucket = _bucket.Name,
            Key = key,
            Compress = compress,
            Connection = _bucket.Connection,
        }, new RecordingReporter(), CancellationToken.None))!;

    private TowAndGoSyncOptions Options(TowAndGoUploadResult upload) => new()
    {
        Bucket = upload.Bucket,
        Key = upload.Key,
        S3 = _bucket.Connection,
        Mongo = _mongo.Endpoint,
        Database = _mongo.Name,
    };

    private static async Task<TowAndGoSyncResult> Sync(TowAndGoSyncOptions options, RecordingReporter? reporter = null) =>
        (await SyncTowAndGoJob.RunAsync(options, reporter ?? new RecordingReporter(), CancellationToken.None))!;

    private Task<List<BsonDocument>> Links() => _mongo.AllAsync("links");

    [Fact]
    public async Task The_official_Nodejs_driver_reads_each_link_as_the_snapshot_gives_it()
    {
        var upload = await Upload(Snapshot(1_684_216_515, (17806054, 457160414), (17857686, null)));

        await Sync(Options(upload));

        // Integers by value: the test server keeps an Int64 that fits 32 bits as an Int32 (MongoDB keeps the type).
        static long? Integer(JsonNode? value) => value is null ? null : long.Parse((value["$numberLong"] ?? value["$numberInt"])!.GetValue<string>());
        var read = JsonNode.Parse(NodeReference.Run("driver-reference.mjs", "read", TestServices.Mongo, _mongo.Name, "links"))!.AsArray()
            .Select(d => (Integer(d!["_id"]), Integer(d["link_id"]), Integer(d["segment_id"]), d["snapshot_time"]!.ToJsonString(), d["source_key"]!.GetValue<string>()))
            .Order().ToList();
        Assert.Equal(
        [
            (17806054L, 17806054L, 457160414L, """{"$date":{"$numberLong":"1684216515000"}}""", upload.Key),
            (17857686L, 17857686L, null, """{"$date":{"$numberLong":"1684216515000"}}""", upload.Key),
        ], read);
    }

    [Fact]
    public async Task An_uploaded_snapshot_syncs_through_its_result_with_every_field()
    {
        var upload = await Upload(Snapshot(1_684_216_515, (17806054, 457160414), (17857682, 414984019), (17857686, null)));

        var result = await Sync(Options(upload));

        Assert.Equal((3, 3L, 0L, 0L, 0L, false), (result.Links, result.Inserted, result.Updated, result.Unchanged, result.Removed, result.Stale));
        Assert.Equal(("Sync-TowAndGoToMongo", upload.Bucket, upload.Key, _mongo.Name, "links"), (result.Job, result.Bucket, result.Key, result.Database, result.Collection));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_684_216_515), result.SnapshotTime);
        var links = await Links();
        Assert.Equal([17806054L, 17857682L, 17857686L], links.Select(l => l["link_id"].ToInt64()));
        var nullSegment = links.Single(l => l["_id"].ToInt64() == 17857686);
        Assert.True(nullSegment["segment_id"].IsBsonNull);
        Assert.Equal(1_684_216_515, nullSegment["last_modified"].ToInt64());
        Assert.Equal(result.SnapshotTime, nullSegment["snapshot_time"].ToUniversalTime());
        Assert.Equal((upload.Bucket, upload.Key), (nullSegment["source_bucket"].AsString, nullSegment["source_key"].AsString));
        Assert.InRange(nullSegment["synced_at"].ToUniversalTime(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        var state = Assert.Single(await _mongo.AllAsync(SyncTowAndGoJob.StateCollection));
        Assert.Equal(("links", 1_684_216_515L, upload.Key), (state["_id"].AsString, state["last_modified"].ToInt64(), state["source_key"].AsString));
        var indexes = await _mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "listIndexes", "links" }, { "cursor", new BsonDocument() } });
        var names = indexes["cursor"].AsBsonDocument["firstBatch"].AsBsonArray.Select(i => i.AsBsonDocument["name"].AsString).ToList();
        Assert.Contains("link_id_1", names);
        Assert.Contains("segment_id_1", names);
    }

    [Fact]
    public async Task A_re_run_of_the_same_snapshot_modifies_nothing()
    {
        var upload = await Upload(Snapshot(100, (1, 10), (2, null), (3, 30)));
        await Sync(Options(upload));
        var before = await Links();

        var again = await Sync(Options(upload));

        Assert.Equal((0L, 0L, 3L, 0L), (again.Inserted, again.Updated, again.Unchanged, again.Removed));
        Assert.Equal(before, await Links());
    }

    [Fact]
    public async Task A_newer_snapshot_inserts_new_links_updates_changed_ones_and_keeps_absent_ones()
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10), (2, null), (3, 30)))));

        var result = await Sync(Options(await Upload(Snapshot(200, (1, 10), (2, 20), (4, null)))));

        Assert.Equal((1L, 1L, 1L, 0L), (result.Inserted, result.Updated, result.Unchanged, result.Removed));
        var links = (await Links()).ToDictionary(l => l["_id"].ToInt64());
        Assert.Equal([1L, 2L, 3L, 4L], links.Keys.Order());
        Assert.Equal(20, links[2]["segment_id"].ToInt64());
        Assert.Equal(200, links[2]["last_modified"].ToInt64());
        Assert.Equal(100, links[1]["last_modified"].ToInt64()); // unchanged links keep the snapshot that last set them
    }

    [Fact]
    public async Task Two_runs_at_once_leave_each_link_once()
    {
        var upload = await Upload(Snapshot(100, Enumerable.Range(1, 500).Select(i => ((long)i, (long?)i)).ToArray()));

        var results = await Task.WhenAll(Sync(Options(upload) with { BatchSize = 50 }), Sync(Options(upload) with { BatchSize = 50 }));

        Assert.Equal(500, results.Sum(r => r.Inserted));
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), (await Links()).Select(l => l["_id"].ToInt64()).Order());
    }

    [Fact]
    public async Task A_snapshot_spread_over_many_temporary_files_diffs_as_one()
    {
        // 2,000 links stored; the next snapshot keeps 1..1,500 (every tenth with a new segment, every seventh stored as
        // text), adds 2,001..2,600, and -RemoveMissing removes 1,501..2,000.
        await Sync(Options(await Upload(Snapshot(100, Enumerable.Range(1, 2000).Select(i => ((long)i, (long?)i)).ToArray()))) with { BatchSize = 500 });
        var links = _mongo.Database.GetCollection<BsonDocument>("links");
        await links.UpdateManyAsync(new BsonDocument("$expr", new BsonDocument("$eq", new BsonArray { new BsonDocument("$mod", new BsonArray { "$_id", 7 }), 0 })),
            new BsonDocument("$set", new BsonDocument("segment_id", "x")));
        var next = Enumerable.Range(1, 1500).Concat(Enumerable.Range(2001, 600)).Select(i => ((long)i, (long?)(i % 10 == 0 ? -i : i))).ToArray();

        var result = await Sync(Options(await Upload(Snapshot(200, next))) with { RemoveMissing = true, BatchSize = 500 });

        var changed = Enumerable.Range(1, 1500).Count(i => i % 10 == 0 || i % 7 == 0);
        Assert.Equal((600L, (long)changed, 1500L - changed, 500L), (result.Inserted, result.Updated, result.Unchanged, result.Removed));
        Assert.Equal(next.Select(l => $"{l.Item1}:{l.Item2}"), (await Links()).OrderBy(l => l["_id"].ToInt64()).Select(l => $"{l["_id"]}:{l["segment_id"]}"));
    }

    [Fact]
    public async Task A_snapshot_too_large_for_memory_syncs_through_temporary_files_that_the_run_closes()
    {
        // 250,000 links: about 80 KiB of the snapshot's links a file, and 4 MiB of inserts, past what a spool keeps in memory.
        var upload = await Upload(Snapshot(100, Enumerable.Range(1, 250_000).Select(i => ((long)i, (long?)(i % 5 == 0 ? null : i))).ToArray()));
        var open = 0;
        var reporter = new RecordingReporter(onProgress: p =>
        {
            if (p.Activity.StartsWith("Writing", StringComparison.Ordinal) && open == 0) open = SpoolFiles.Open(TowAndGoLink.SpoolName).Length;
        });

        var result = await Sync(Options(upload) with { BatchSize = 10_000 }, reporter);

        Assert.True(open >= 65, $"{open} spool files were open while writing");
        Assert.Equal((250_000, 250_000L), (result.Links, result.Inserted));
        Assert.Equal(50_000, await _mongo.Database.GetCollection<BsonDocument>("links").CountDocumentsAsync(new BsonDocument("segment_id", BsonNull.Value)));
        Assert.Empty(SpoolFiles.Open(TowAndGoLink.SpoolName));
    }

    [Fact]
    public async Task RemoveMissing_makes_the_collection_mirror_the_snapshot()
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10), (2, null), (3, 30), (5, 50)))));

        var result = await Sync(Options(await Upload(Snapshot(200, (1, 10), (4, 40)))) with { RemoveMissing = true, BatchSize = 2 });

        Assert.Equal((1L, 0L, 1L, 3L), (result.Inserted, result.Updated, result.Unchanged, result.Removed));
        Assert.Equal([1L, 4L], (await Links()).Select(l => l["_id"].ToInt64()));
    }

    [Fact]
    public async Task An_older_snapshot_is_refused_as_stale_unless_forced()
    {
        var older = await Upload(Snapshot(100, (1, 10)), key: "older.json");
        await Sync(Options(await Upload(Snapshot(200, (1, 11)), key: "newer.json")));
        var before = await Links();
        var reporter = new RecordingReporter();

        var stale = await Sync(Options(older), reporter);

        Assert.True(stale.Stale);
        Assert.Equal((0L, 0L, 0L), (stale.Inserted, stale.Updated, stale.Removed));
        Assert.Equal(before, await Links());
        Assert.Contains("is older than the snapshot", Assert.Single(reporter.Warnings));
        Assert.Empty(reporter.Questions);

        var forced = await Sync(Options(older) with { Force = true });

        Assert.False(forced.Stale);
        Assert.Equal(1, forced.Updated);
        Assert.Equal(10, (await Links()).Single()["segment_id"].ToInt64());
    }

    [Fact]
    public async Task A_stored_last_modified_with_a_fraction_is_compared_exactly()
    {
        var upload = await Upload(Snapshot(100, (1, 10)));
        await Sync(Options(upload));
        var state = _mongo.Database.GetCollection<BsonDocument>(SyncTowAndGoJob.StateCollection);
        await state.UpdateOneAsync(new BsonDocument("_id", "links"), new BsonDocument("$set", new BsonDocument("last_modified", 100.5)));
        var reporter = new RecordingReporter();

        var again = await Sync(Options(upload), reporter);

        Assert.True(again.Stale); // 100.5 is later than 100, which it would not be read as 100
        var warning = Assert.Single(reporter.Warnings);
        Assert.Contains("(last_modified 100, taken 1970-01-01 00:01:40Z) is older than the snapshot", warning);
        Assert.Contains("(last_modified 100.5, taken 1970-01-01 00:01:40Z)", warning);
    }

    [Fact]
    public async Task A_gzip_snapshot_is_read_like_a_plain_one()
    {
        var upload = await Upload(Snapshot(100, (1, 10), (2, null)), compress: true);

        var result = await Sync(Options(upload));

        Assert.Equal(2, result.Inserted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_damaged_gzip_snapshot_is_refused_naming_it_and_nothing_is_written(bool truncated)
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10)))));
        var before = await Links();
        var gzip = new MemoryStream();
        using (var compress = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            compress.Write(Encoding.UTF8.GetBytes(Snapshot(200, Enumerable.Range(1, 5_000).Select(i => ((long)i, (long?)i)).ToArray())));
        }

        var bytes = gzip.ToArray();
        bytes = truncated ? bytes[..(bytes.Length / 2)] : [.. bytes[..10], .. Enumerable.Repeat((byte)0xFF, bytes.Length - 10)];
        await _bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket.Name, Key = "bad.json.gz", InputStream = new MemoryStream(bytes), UseChunkEncoding = false });

        var options = Options(await Upload(Snapshot(100))) with { Key = "bad.json.gz" };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Sync(options));

        Assert.Equal((JobErrorCategory.InvalidData, truncated ? "SnapshotMalformedJson" : "SnapshotBadGzip"), (error.Category, error.ErrorId));
        Assert.Contains($"s3://{_bucket.Name}/bad.json.gz", error.Message);
        Assert.Equal(before, await Links());
    }

    [Fact]
    public async Task WhatIf_compares_reports_and_writes_nothing()
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10), (2, 20)))));
        var before = await Links();
        var reporter = new RecordingReporter(approve: false);

        var result = await Sync(Options(await Upload(Snapshot(200, (1, 10), (2, 21), (3, 30)))) with { RemoveMissing = true }, reporter);

        Assert.Null(result);
        var (target, action) = Assert.Single(reporter.Questions);
        Assert.Equal($"{_mongo.Name}.links", target);
        Assert.EndsWith("insert 1, update 1, remove 0, leave 1 unchanged", action);
        Assert.Equal(before, await Links());
        Assert.Equal(100, Assert.Single(await _mongo.AllAsync(SyncTowAndGoJob.StateCollection))["last_modified"].ToInt64());
    }

    [Fact]
    public async Task A_missing_object_is_an_error_naming_it_and_the_collection_stays_as_it_was()
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10)))));
        var before = await Links();

        var options = Options(await Upload(Snapshot(100))) with { Key = "no/such/key.json" };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Sync(options));

        Assert.Equal((JobErrorCategory.ObjectNotFound, "S3ObjectNotFound"), (error.Category, error.ErrorId));
        Assert.Contains($"s3://{_bucket.Name}/no/such/key.json", error.Message);
        Assert.Equal(before, await Links());
    }

    [Theory]
    [InlineData("{\"last_modified\": 1, \"tow_and_go\": [", "SnapshotMalformedJson")]
    [InlineData("{\"last_modified\": 1, \"tow_and_go\": [{\"link_id\": \"x\", \"segment_id\": null}]}", "SnapshotInvalid")]
    public async Task A_malformed_or_invalid_object_is_refused_naming_it_and_nothing_is_written(string body, string errorId)
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 10)))));
        var before = await Links();
        await _bucket.Client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket.Name, Key = "bad.json", ContentBody = body, UseChunkEncoding = false });

        var options = Options(await Upload(Snapshot(100))) with { Key = "bad.json" };

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Sync(options));

        Assert.Equal((JobErrorCategory.InvalidData, errorId), (error.Category, error.ErrorId));
        Assert.Contains($"s3://{_bucket.Name}/bad.json", error.Message);
        Assert.Equal(before, await Links());
    }

    public static TheoryData<string, JobErrorCategory, string, string> MongoFailures => new()
    {
        // An unreachable host; a login with a password the server cannot prove it knows (the test server's SCRAM
        // answers "done" with no server signature: the driver refuses the connection, as it must, though not as an
        // authentication error, which a real MongoDB's refusal gives); an Atlas-style name that does not resolve.
        { "mongodb://sync:hunter2@127.0.0.1:9/?serverSelectionTimeoutMS=500&connectTimeoutMS=300", JobErrorCategory.ConnectionError, "MongoUnreachable", "Cannot reach MongoDB at mongodb://sync:*****@127.0.0.1:9/" },
        { "WRONG-PASSWORD", JobErrorCategory.ConnectionError, "MongoUnreachable", "Cannot reach MongoDB at mongodb://sync:*****@127.0.0.1:" },
        { "mongodb+srv://sync:hunter2@cluster0.no-such-name.invalid/?serverSelectionTimeoutMS=500", JobErrorCategory.ConnectionError, "MongoUnreachable", "Cannot reach MongoDB at mongodb+srv://sync:*****@cluster0.no-such-name.invalid/" },
    };

    [Theory]
    [MemberData(nameof(MongoFailures))]
    public async Task A_MongoDB_that_cannot_be_used_is_a_clear_error_that_hides_the_password(string uri, JobErrorCategory category, string errorId, string start)
    {
        var upload = await Upload(Snapshot(100, (1, 10)));
        uri = uri == "WRONG-PASSWORD" ? TestServices.Mongo.Replace("mongodb://", "mongodb://sync:hunter2@", StringComparison.Ordinal) + "&serverSelectionTimeoutMS=2000" : uri;
        var reporter = new RecordingReporter();

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => SyncTowAndGoJob.RunAsync(Options(upload) with { Mongo = new MongoEndpoint(uri) }, reporter, CancellationToken.None));

        Assert.True((category, errorId) == (error.Category, error.ErrorId), error.ToString());
        Assert.StartsWith(start, error.Message);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(reporter.AllText, m => m.Contains("hunter2", StringComparison.Ordinal));
    }

    /// <summary>Cancels its run at the first progress of the given activity.</summary>
    private sealed class CancelAt(string activity, CancellationTokenSource cancel) : SyncTools.Core.Jobs.IJobReporter
    {
        public void Progress(SyncTools.Core.Jobs.JobProgress progress)
        {
            if (progress.Activity.StartsWith(activity, StringComparison.Ordinal)) cancel.Cancel();
        }

        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void RecordError(SyncTools.Core.Jobs.JobRecordError error) { }
        public bool ShouldProcess(string target, string action) => true;
    }

    [Fact]
    public async Task A_run_stopped_mid_write_leaves_whole_links_and_the_old_freshness_and_a_re_run_converges()
    {
        await Sync(Options(await Upload(Snapshot(100, (1, 1)))));
        var next = Options(await Upload(Snapshot(200, Enumerable.Range(1, 300).Select(i => ((long)i, (long?)(i * 10))).ToArray()))) with { BatchSize = 50 };
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SyncTowAndGoJob.RunAsync(next, new CancelAt("Writing", cancel), cancel.Token));

        var partial = await Links();
        Assert.InRange(partial.Count, 1, 299);
        Assert.All(partial, l => Assert.True(l.Contains("segment_id") && l.Contains("snapshot_time")));
        Assert.Equal(100, Assert.Single(await _mongo.AllAsync(SyncTowAndGoJob.StateCollection))["last_modified"].ToInt64());

        var rerun = await Sync(next);

        Assert.False(rerun.Stale);
        Assert.Equal(300, (await Links()).Count);
        Assert.All(await Links(), l => Assert.Equal(l["_id"].ToInt64() * 10, l["segment_id"].ToInt64()));
        Assert.Equal(200, Assert.Single(await _mongo.AllAsync(SyncTowAndGoJob.StateCollection))["last_modified"].ToInt64());
    }

    [Fact]
    public async Task A_document_that_is_not_a_link_is_left_alone_with_a_warning()
    {
        await _mongo.Database.GetCollection<BsonDocument>("links").InsertManyAsync([new BsonDocument { { "_id", "readme" }, { "note", "not a link" } }]);
        var reporter = new RecordingReporter();

        await Sync(Options(await Upload(Snapshot(100, (1, 10)))) with { RemoveMissing = true }, reporter);

        Assert.Contains("readme", Assert.Single(reporter.Warnings));
        Assert.Equal(2, (await Links()).Count);
    }

    [Fact]
    public async Task A_fractional_id_is_not_taken_for_the_link_it_rounds_to_and_a_fractional_segment_is_put_right()
    {
        await Sync(Options(await Upload(Snapshot(100, (5, 50), (6, null)))));
        var links = _mongo.Database.GetCollection<BsonDocument>("links");
        await links.InsertOneAsync(new BsonDocument { { "_id", 5.5 }, { "segment_id", 50 } });
        await links.UpdateOneAsync(new BsonDocument("_id", 6L), new BsonDocument("$set", new BsonDocument("segment_id", 0.5)));
        var reporter = new RecordingReporter();

        var result = await Sync(Options(await Upload(Snapshot(200, (5, 50), (6, null)))) with { RemoveMissing = true }, reporter);

        Assert.Equal((1L, 1L, 0L), (result!.Unchanged, result.Updated, result.Removed));
        Assert.Contains("5.5", Assert.Single(reporter.Warnings));
        var stored = (await Links()).ToDictionary(d => d["_id"].ToString()!);
        Assert.Equal(50, stored["5"]["segment_id"].ToInt64());
        Assert.True(stored["6"]["segment_id"].IsBsonNull);
        Assert.Contains("5.5", stored.Keys);
    }

    [Fact]
    public async Task A_missing_connection_string_says_where_to_put_one()
    {
        var saved = Environment.GetEnvironmentVariable(MongoEndpoint.EnvironmentVariable);
        Environment.SetEnvironmentVariable(MongoEndpoint.EnvironmentVariable, null);
        try
        {
            var error = Assert.Throws<SyncToolsException>(() => new MongoEndpoint(null));
            Assert.Equal("No MongoDB connection string: pass one, or set MONGODB_URI.", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MongoEndpoint.EnvironmentVariable, saved);
        }

        await Task.CompletedTask;
    }
}
