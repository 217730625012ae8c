using System.Management.Automation;
using SyncTools.Core.MongoDb;
using SyncTools.Core.TowAndGo;

namespace SyncTools.PowerShell;

/// <summary>Reads a Tow-and-Go snapshot from S3 and upserts its links into MongoDB, idempotently and only when fresh.</summary>
/// <remarks>
/// <para>Reads a Tow-and-Go snapshot object from S3 (plain or gzip), validates it, and writes one document per link into a MongoDB collection (default towandgo.links): _id and link_id the link, segment_id (null kept), the snapshot that last changed it (snapshot_time, last_modified, source_bucket, source_key) and synced_at. Only new and changed links are written, in batches of -BatchSize, so running the same snapshot again modifies nothing.</para>
/// <para>The object is validated as it downloads, link by link, by the rules Send-TowAndGoData applies; a snapshot with any problem writes nothing. The links, and then the collection's link ids and segments, are kept in temporary files (synctools-towandgo-*.tmp, under TMPDIR or TEMP; about 40 bytes a link), 64 of them spread by link id and compared one at a time, so memory stays small however large the snapshot; they are removed when the run ends.</para>
/// <para>Freshness: the snapshot applied last is recorded in the database's sync_state collection. An older snapshot is refused as stale (the result says so and nothing is written) unless -Force. -RemoveMissing also deletes the links the snapshot no longer has, so the collection mirrors it.</para>
/// <para>Bucket (or BucketName) and Key bind by property name, so the results of Send-TowAndGoData, or AWS Tools' Get-S3Object listing, pipe straight in. Writes one result per snapshot (Inserted, Updated, Unchanged, Removed, Stale and the counts).</para>
/// </remarks>
/// <example title="Apply the latest snapshot">
/// <code>
/// Sync-TowAndGoToMongo -Bucket traffic-snapshots -Key tow-and-go/latest.json -MongoConnectionString 'mongodb://mongo.local:27017'
/// </code>
/// <para>Upserts the snapshot's links into towandgo.links; a second run reports every link unchanged.</para>
/// </example>
/// <example title="Upload, then apply, then check">
/// <code>
/// Send-TowAndGoData -Path ./tow-and-go.json -Bucket traffic-snapshots |
///     Sync-TowAndGoToMongo -MongoDatabase traffic -Collection links -RemoveMissing |
///     Get-SyncStatus
/// </code>
/// <para>The upload's Bucket and Key bind to Sync-TowAndGoToMongo; its Job and RunId bind to Get-SyncStatus, which reports the health of that target.</para>
/// </example>
/// <example title="Preview a re-application of an older snapshot">
/// <code>
/// Sync-TowAndGoToMongo -Bucket traffic-snapshots -Key tow-and-go/2026/11/02/tow-and-go-1793577600.json -Force -WhatIf
/// </code>
/// <para>Reads and validates the snapshot and reports how many links it would insert, update and remove; writes nothing.</para>
/// </example>
[Cmdlet(VerbsData.Sync, "TowAndGoToMongo", SupportsShouldProcess = true)]
[OutputType(typeof(TowAndGoSyncResult))]
public sealed class SyncTowAndGoToMongoCommand : S3CmdletBase
{
    /// <summary>The S3 bucket holding the snapshot; binds from the pipeline by property name, as Bucket or as BucketName (AWS Tools' Get-S3Object).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("BucketName")]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = "";

    /// <summary>The snapshot's object key; several come from the pipeline (e.g. an S3 listing) one by one.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = "";

    /// <summary>The MongoDB connection string; default $env:MONGODB_URI.</summary>
    [Parameter]
    [Alias("ConnectionString")]
    [ValidateNotNullOrEmpty]
    public string? MongoConnectionString { get; set; }

    /// <summary>The MongoDB database; default towandgo. (-Database is its alias.)</summary>
    [Parameter]
    [Alias("Database")]
    [ValidateNotNullOrEmpty]
    public string MongoDatabase { get; set; } = TowAndGoSyncOptions.DefaultDatabase;

    /// <summary>The collection of links; default links.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = TowAndGoSyncOptions.DefaultCollection;

    /// <summary>Links written per bulk write; default 1000.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int BatchSize { get; set; } = TowAndGoSyncOptions.DefaultBatchSize;

    /// <summary>Apply the snapshot even if a newer one has been applied.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Delete links absent from the snapshot, so the collection mirrors it.</summary>
    [Parameter]
    public SwitchParameter RemoveMissing { get; set; }

    protected override void ProcessInput()
    {
        var options = new TowAndGoSyncOptions
        {
            Bucket = Bucket,
            Key = Key,
            S3 = S3Connection,
            Mongo = new MongoEndpoint(MongoConnectionString),
            Database = MongoDatabase,
            Collection = Collection,
            BatchSize = BatchSize,
            Force = Force,
            RemoveMissing = RemoveMissing,
        };
        if (this.RunJournaledJob(SyncTowAndGoJob.Name, options.Endpoints.Source, options.Endpoints.Target, (reporter, token) => SyncTowAndGoJob.RunAsync(options, reporter, token)) is { } result)
        {
            WriteObject(result);
        }
    }
}
