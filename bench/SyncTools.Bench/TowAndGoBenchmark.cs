using Amazon.S3;
using SyncTools.Core.MongoDb;
using SyncTools.Core.S3;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Bench;

/// <summary>
/// Sync-TowAndGoToMongo on a large snapshot against the local s3rver and CongoDB: the first sync into an empty
/// collection, a re-run of the same snapshot, and a snapshot with 1% of its segments changed (not with --no-change).
/// Usage: towandgo [links...] [--no-change].
/// </summary>
public static class TowAndGoBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var given = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(int.Parse).ToArray();
        var sizes = given.Length > 0 ? given : [25_000, 100_000];
        var withChange = !args.Contains("--no-change"); // CongoDB scans the collection per update: 1% of a million takes hours
        var s3 = new S3Connection { EndpointUrl = Require("SYNCTOOLS_TEST_S3"), AccessKey = "S3RVER", SecretKey = "S3RVER" };
        var mongo = new MongoEndpoint(Require("SYNCTOOLS_TEST_MONGO"));
        var bucket = $"bench-{Guid.NewGuid():N}"[..20];
        using (var client = s3.CreateClient()) await client.PutBucketAsync(bucket);

        Console.WriteLine("Sync-TowAndGoToMongo against s3rver and CongoDB (in-memory MongoDB-wire server, not MongoDB's speed)");
        Console.WriteLine($"{"links",9} {"run",-22}{"writes",9}{"wall s",9}{"client CPU s",14}{"CPU µs/link",13}{"peak heap MiB",15}{"alloc MiB",11}");
        foreach (var links in sizes)
        {
            var database = $"bench_{links}_{Guid.NewGuid():N}"[..24];
            var first = await Upload(s3, bucket, Snapshot(links, 1_700_000_000, changed: 0));
            var changed = await Upload(s3, bucket, Snapshot(links, 1_700_000_100, changed: links / 100));
            await Report(links, "first sync (empty)", Options(first, s3, mongo, database));
            await Report(links, "same snapshot again", Options(first, s3, mongo, database));
            if (withChange) await Report(links, "1% of segments changed", Options(changed, s3, mongo, database));
            await mongo.Client.DropDatabaseAsync(database);
        }
    }

    private static async Task Report(int links, string name, TowAndGoSyncOptions options)
    {
        TowAndGoSyncResult? result = null;
        var run = await Measure.OnceAsync(async () => result = await SyncTowAndGoJob.RunAsync(options, new SilentReporter(), CancellationToken.None));
        var writes = result!.Inserted + result.Updated + result.Removed;
        Console.WriteLine($"{links,9:N0} {name,-22}{writes,9:N0}{run.Wall.TotalSeconds,9:N2}{run.Cpu.TotalSeconds,14:N2}{run.Cpu.TotalMicroseconds / links,13:N1}{run.PeakManagedMiB,15:N1}{run.AllocatedMiB,11:N0}");
    }

    private static TowAndGoSyncOptions Options(TowAndGoUploadResult upload, S3Connection s3, MongoEndpoint mongo, string database) =>
        new() { Bucket = upload.Bucket, Key = upload.Key, S3 = s3, Mongo = mongo, Database = database };

    private static string Snapshot(int links, long lastModified, int changed) =>
        $$"""{"last_modified": {{lastModified}}, "tow_and_go": [{{string.Join(",", Enumerable.Range(1, links).Select(i =>
            $$"""{"link_id": {{17_000_000 + i}}, "segment_id": {{(i % 10 == 0 ? "null" : (400_000_000 + i + (i <= changed ? 1 : 0)).ToString())}}}"""))}}]}""";

    private static async Task<TowAndGoUploadResult> Upload(S3Connection s3, string bucket, string json) =>
        (await SendTowAndGoJob.RunAsync(new TowAndGoUploadOptions { Snapshot = SnapshotInput.FromText(json, "bench"), Bucket = bucket, Connection = s3 }, new SilentReporter(), CancellationToken.None))!;

    private static string Require(string variable) => Environment.GetEnvironmentVariable(variable)
        ?? throw new InvalidOperationException($"{variable} is not set: eval \"$(tests/services/services.sh start)\" first.");
}
