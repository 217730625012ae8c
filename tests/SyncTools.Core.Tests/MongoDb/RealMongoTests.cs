using System.Text.Json.Nodes;
using MongoDB.Driver;
using SyncTools.Core.MongoDb;
using SyncTools.Core.Tests.Reference;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Core.Tests.MongoDb;

/// <summary>A fact that needs a real MongoDB: run when SYNCTOOLS_TEST_REAL_MONGO holds its URI, else reported as skipped.</summary>
public sealed class RealMongoFactAttribute : FactAttribute
{
    public const string Variable = "SYNCTOOLS_TEST_REAL_MONGO";

    public RealMongoFactAttribute()
    {
        if (string.IsNullOrEmpty(Uri)) Skip = $"{Variable} is not set: no real MongoDB to run against.";
    }

    public static string? Uri => Environment.GetEnvironmentVariable(Variable);
}

/// <summary>The jobs against a real MongoDB (which, unlike the test server, keeps every BSON type as written).</summary>
public sealed class RealMongoTests : IAsyncLifetime
{
    private readonly S3TestBucket _bucket = new();
    private readonly string _database = TestServices.UniqueName("real").Replace('-', '_');

    public Task InitializeAsync() => _bucket.InitializeAsync();

    public async Task DisposeAsync()
    {
        if (RealMongoFactAttribute.Uri is { } uri) await new MongoEndpoint(uri).Client.DropDatabaseAsync(_database);
        await _bucket.DisposeAsync();
    }

    [RealMongoFact]
    public async Task A_snapshot_syncs_with_Int64_ids_and_a_second_run_writes_nothing()
    {
        var upload = (await SendTowAndGoJob.RunAsync(new TowAndGoUploadOptions
        {
            Snapshot = SnapshotInput.FromText("""{"last_modified": 1684216515, "tow_and_go": [{"link_id": 1, "segment_id": 10}, {"link_id": 2, "segment_id": null}]}""", "-Json"),
            Bucket = _bucket.Name,
            Connection = _bucket.Connection,
        }, new RecordingReporter(), CancellationToken.None))!;
        var options = new TowAndGoSyncOptions { Bucket = upload.Bucket, Key = upload.Key, S3 = _bucket.Connection, Mongo = new MongoEndpoint(RealMongoFactAttribute.Uri), Database = _database };

        var first = (await SyncTowAndGoJob.RunAsync(options, new RecordingReporter(), CancellationToken.None))!;
        var second = (await SyncTowAndGoJob.RunAsync(options, new RecordingReporter(), CancellationToken.None))!;

        Assert.Equal((2L, 0L, 2L), (first.Inserted, second.Inserted + second.Updated, second.Unchanged));
        var read = JsonNode.Parse(NodeReference.Run("driver-reference.mjs", "read", RealMongoFactAttribute.Uri!, _database, "links"))!.AsArray();
        Assert.Equal(["""{"$numberLong":"1"}""", """{"$numberLong":"2"}"""], read.Select(d => d!["_id"]!.ToJsonString()).Order());
    }
}
