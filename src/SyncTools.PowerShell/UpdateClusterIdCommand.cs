using System.Collections.Concurrent;
using System.Management.Automation;
using SyncTools.Core.ClusterIds;

namespace SyncTools.PowerShell;

/// <summary>Inserts into MySQL cm_cluster_id every MongoDB cluster_trips id it lacks.</summary>
[Cmdlet(VerbsData.Update, "ClusterId", SupportsShouldProcess = true)]
[OutputType(typeof(ClusterIdResult), typeof(ClusterIdInserted))]
public sealed class UpdateClusterIdCommand : DatabaseCmdletBase
{
    /// <summary>The MongoDB database; default the connection string's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MongoDatabase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = ClusterIdOptions.DefaultCollection;

    /// <summary>The MySQL database that holds the table.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = ClusterIdOptions.DefaultTable;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Column { get; set; } = ClusterIdOptions.DefaultColumn;

    [Parameter]
    [ValidateRange(1, 10_000)]
    public int BatchSize { get; set; } = ClusterIdOptions.DefaultBatchSize;

    /// <summary>Also write one object per id inserted.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessInput()
    {
        var options = new ClusterIdOptions
        {
            Mongo = MongoEndpoint,
            MongoDatabase = MongoDatabase,
            Collection = Collection,
            MySql = MySqlSource(Database),
            Table = Table,
            Column = Column,
            BatchSize = BatchSize,
        };
        var inserted = new ConcurrentQueue<string>();
        var target = $"{options.MySql.Database}.{Table}.{Column}";
        var source = $"{MongoDatabase ?? options.Mongo.DatabaseName}.{Collection}";
        var result = this.RunJournaledJob(UpdateClusterIdJob.Name, source, target, (reporter, token) => UpdateClusterIdJob.RunAsync(options, reporter, PassThru ? inserted.Enqueue : null, token));
        if (result is null) return;
        foreach (var id in inserted) WriteObject(new ClusterIdInserted { RunId = result.RunId, ClusterId = id });
        WriteObject(result);
    }
}
