using System.Management.Automation;
using SyncTools.Core.MongoDb;
using SyncTools.Core.TowAndGo;

namespace SyncTools.PowerShell;

/// <summary>Reads a Tow-and-Go snapshot from S3 and upserts its links into MongoDB, idempotently and only when fresh.</summary>
[Cmdlet(VerbsData.Sync, "TowAndGoToMongo", SupportsShouldProcess = true)]
[OutputType(typeof(TowAndGoSyncResult))]
public sealed class SyncTowAndGoToMongoCommand : S3CmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
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

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = TowAndGoSyncOptions.DefaultDatabase;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = TowAndGoSyncOptions.DefaultCollection;

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
            Database = Database,
            Collection = Collection,
            BatchSize = BatchSize,
            Force = Force,
            RemoveMissing = RemoveMissing,
        };
        if (this.RunJournaledJob(SyncTowAndGoJob.Name, $"s3://{Bucket}/{Key}", $"{Database}.{Collection}", (reporter, token) => SyncTowAndGoJob.RunAsync(options, reporter, token)) is { } result)
        {
            WriteObject(result);
        }
    }
}
