using System.Management.Automation;
using SyncTools.Core.TowAndGo;

namespace SyncTools.PowerShell;

/// <summary>Validates a Tow-and-Go traffic snapshot and uploads it to an S3 object.</summary>
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

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = "";

    /// <summary>The object key; default tow-and-go/yyyy/MM/dd/tow-and-go-{last_modified}.json[.gz].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Key { get; set; }

    /// <summary>Gzip the object and store it with Content-Encoding: gzip.</summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    [Parameter]
    [ValidateSet("AES256", "aws:kms")]
    public string? ServerSideEncryption { get; set; }

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
            if (this.RunJournaledJob(SendTowAndGoJob.Name, snapshot.Source, $"s3://{Bucket}", (reporter, token) => SendTowAndGoJob.RunAsync(options, reporter, token)) is { } result)
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
