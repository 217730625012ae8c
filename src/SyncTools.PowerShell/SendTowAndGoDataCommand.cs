using System.Management.Automation;
using SyncTools.Core.TowAndGo;

namespace SyncTools.PowerShell;

/// <summary>Validates a Tow-and-Go traffic snapshot and uploads it to an S3 object.</summary>
/// <remarks>
/// <para>Reads a Tow-and-Go traffic snapshot from files (-Path), a JSON string (-Json) or the pipeline (JSON text, objects from ConvertFrom-Json, or files from Get-ChildItem), validates it and uploads it to an S3 object. A valid snapshot has last_modified, a unix time in seconds, and tow_and_go, an array of objects with an integer link_id and an integer or null segment_id. Each link_id appears once, and so do last_modified and tow_and_go; other properties are ignored, and so is a UTF-8 byte order mark before the document. Repeated link_ids are looked for in temporary files (synctools-towandgo-*.tmp, under TMPDIR or TEMP) once a snapshot's links pass about 4 MiB (some 200,000 links), so memory holds the snapshot's text but not its links twice; a folder without room is an error and nothing is uploaded.</para>
/// <para>An invalid snapshot stops with an error that names the input and the JSON path of the problem, and nothing is uploaded. With -Compress the object is gzipped and stored with Content-Encoding: gzip; Sync-TowAndGoToMongo reads both forms.</para>
/// <para>Writes one result per snapshot (Bucket, Key, ETag, Bytes, LinkCount, NullSegmentCount, SnapshotTime, Duration). Its Bucket and Key bind by property name to Sync-TowAndGoToMongo. S3 settings follow AWS Tools for PowerShell; see about_SyncTools for the environment variables that supply defaults.</para>
/// </remarks>
/// <example title="Upload a snapshot file">
/// <code>
/// Send-TowAndGoData -Path ./tow-and-go.json -Bucket traffic-snapshots
/// </code>
/// <para>Validates the file and uploads it under the default key, tow-and-go/yyyy/MM/dd/tow-and-go-&lt;last_modified&gt;.json, with the AWS credential chain.</para>
/// </example>
/// <example title="Upload and apply in one pipeline">
/// <code>
/// Send-TowAndGoData -Path ./tow-and-go.json -Bucket traffic-snapshots -Key tow-and-go/latest.json |
///     Sync-TowAndGoToMongo -MongoConnectionString $env:MONGODB_URI
/// </code>
/// <para>The upload's result binds Bucket and Key to Sync-TowAndGoToMongo, which upserts the snapshot's links into towandgo.links.</para>
/// </example>
/// <example title="Upload many files, gzipped, to an S3-compatible server">
/// <code>
/// $cred = Get-Credential   # access key id and secret key
/// Get-ChildItem ./snapshots/*.json |
///     Send-TowAndGoData -Bucket traffic-snapshots -Compress -EndpointUrl http://minio.local:9000 -Credential $cred |
///     Export-Csv ./uploads.csv
/// </code>
/// <para>Each file is validated and uploaded as a .json.gz object; one CSV row per upload.</para>
/// </example>
/// <example title="Check a snapshot without uploading it">
/// <code>
/// Send-TowAndGoData -Json (Get-Content ./tow-and-go.json -Raw) -Bucket traffic-snapshots -WhatIf
/// </code>
/// <para>Validates the snapshot and reports the object it would write; writes nothing.</para>
/// </example>
[Cmdlet(VerbsCommunications.Send, "TowAndGoData", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(TowAndGoUploadResult))]
public sealed class SendTowAndGoDataCommand : S3CmdletBase
{
    private const string PathSet = "Path";
    private const string JsonSet = "Json";
    private const string InputObjectSet = "InputObject";

    /// <summary>Snapshot files to upload; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The snapshot as a JSON string.</summary>
    [Parameter(Mandatory = true, ParameterSetName = JsonSet)]
    [ValidateNotNullOrEmpty]
    public string Json { get; set; } = "";

    /// <summary>A snapshot from the pipeline: JSON text (Get-Content -Raw), an object (ConvertFrom-Json), or a file (Get-ChildItem).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public PSObject? InputObject { get; set; }

    /// <summary>The S3 bucket to upload to (-BucketName, as AWS Tools spell it, is its alias).</summary>
    [Parameter(Mandatory = true)]
    [Alias("BucketName")]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = "";

    /// <summary>The object key; default tow-and-go/yyyy/MM/dd/tow-and-go-{last_modified}.json[.gz].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Key { get; set; }

    /// <summary>Gzip the object and store it with Content-Encoding: gzip.</summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    /// <summary>Encrypt the object at rest on the server: AES256 (S3-managed keys) or aws:kms (with -KmsKeyId, or the account's default KMS key).</summary>
    [Parameter]
    [ValidateSet("AES256", "aws:kms")]
    public string? ServerSideEncryption { get; set; }

    /// <summary>The KMS key for -ServerSideEncryption aws:kms.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    protected override void ProcessInput()
    {
        foreach (var snapshot in ReadInput())
        {
            var options = new TowAndGoUploadOptions
            {
                Snapshot = snapshot,
                Bucket = Bucket,
                Key = Key,
                Compress = Compress,
                ServerSideEncryption = ServerSideEncryption,
                KmsKeyId = KmsKeyId,
                Connection = S3Connection,
            };
            if (this.RunJournaledJob(SendTowAndGoJob.Name, null, options.Target, (reporter, token) => SendTowAndGoJob.RunAsync(options, reporter, token)) is { } result)
            {
                WriteObject(result);
            }
        }
    }

    private IEnumerable<SnapshotInput> ReadInput() => ParameterSetName switch
    {
        PathSet => Path.SelectMany(p => GetResolvedProviderPathFromPSPath(p, out _)).Select(SnapshotInput.FromFile),
        JsonSet => [SnapshotInput.FromText(Json, "-Json")],
        _ => InputObject?.BaseObject switch
        {
            FileInfo file => [SnapshotInput.FromFile(file.FullName)],
            string text => [SnapshotInput.FromText(text, "pipeline input (text)")],
            _ => [SnapshotInput.FromObject(ToPlainData(InputObject), "pipeline input (object)")],
        },
    };
}
