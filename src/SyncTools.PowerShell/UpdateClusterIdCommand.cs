using System.Collections.Concurrent;
using System.Management.Automation;
using SyncTools.Core.ClusterIds;

namespace SyncTools.PowerShell;

/// <summary>Inserts into MySQL cm_cluster_id every MongoDB cluster_trips id it lacks.</summary>
/// <remarks>
/// <para>Reads the _id of every document in the MongoDB collection (default cluster_trips; a projection on _id, streamed by cursor) and the cluster_id column of the MySQL table cm_cluster_id, and inserts the ids MySQL lacks, in multi-row batches of -BatchSize that skip only duplicate keys: a re-run, or two runs at once, insert nothing twice and fail on nothing already there.</para>
/// <para>An ObjectId is stored as its 24 lowercase hex digits, a string as it is, an integer as its digits, a UUID in its canonical form, a date as ISO-8601 UTC; a null or absent _id, or one of another type, is skipped and counted. A failure to read MongoDB is an error, never an empty list: MySQL is then left untouched.</para>
/// <para>The ids are compared in temporary files (synctools-clusterids-*.tmp, under TMPDIR or TEMP), 64 of them spread by id, so memory stays small however many ids there are (a bit per MongoDB id is kept); they are removed when the run ends.</para>
/// <para>Writes one result (SourceIds, AlreadyPresent, Inserted, Skipped, Duration); with -PassThru, one object per id sent to MySQL instead, in MongoDB's order (the counts then go to -Verbose and the journal). Job and RunId bind to Get-SyncStatus either way.</para>
/// </remarks>
/// <example title="Insert the missing cluster ids">
/// <code>
/// Update-ClusterId -MongoConnectionString 'mongodb://mongo.local:27017/trips' -MySqlDatabase analytics
/// </code>
/// <para>Reads trips.cluster_trips and analytics.cm_cluster_id, the MySQL server from DB_HOST, DB_PORT, DB_USERNAME and DB_PASSWORD, and inserts what is missing.</para>
/// </example>
/// <example title="See which ids would be inserted">
/// <code>
/// Update-ClusterId -MySqlDatabase analytics -WhatIf
/// </code>
/// <para>Says how many ids MySQL lacks and shows the first few (MongoDB from $env:MONGODB_URI); inserts nothing.</para>
/// </example>
/// <example title="Keep a record of every id inserted">
/// <code>
/// Update-ClusterId -MySqlDatabase analytics -PassThru | Export-Csv ./inserted-cluster-ids.csv
/// </code>
/// <para>One CSV row per id this run sent to MySQL (should another run insert the same id at the same moment, it is listed by both).</para>
/// </example>
[Cmdlet(VerbsData.Update, "ClusterId", SupportsShouldProcess = true)]
[OutputType(typeof(ClusterIdResult), typeof(ClusterIdInserted))]
public sealed class UpdateClusterIdCommand : DatabaseCmdletBase
{
    /// <summary>The MongoDB database; default the connection string's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MongoDatabase { get; set; }

    /// <summary>The MongoDB collection of clusters; default cluster_trips.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = ClusterIdOptions.DefaultCollection;

    /// <summary>The MySQL database that holds the table. (-Database is its alias.)</summary>
    [Parameter]
    [Alias("Database")]
    [ValidateNotNullOrEmpty]
    public string? MySqlDatabase { get; set; }

    /// <summary>The MySQL table of cluster ids; default cm_cluster_id.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = ClusterIdOptions.DefaultTable;

    /// <summary>The table's id column; default cluster_id. It should carry a unique key, so that concurrent runs cannot insert an id twice.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Column { get; set; } = ClusterIdOptions.DefaultColumn;

    /// <summary>Ids inserted per statement; default 1000.</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int BatchSize { get; set; } = ClusterIdOptions.DefaultBatchSize;

    /// <summary>Write one object per id sent to MySQL (Job, RunId, ClusterId) instead of the run's summary, which then goes to -Verbose and the journal: the output is one shape, whole in Export-Csv.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessInput()
    {
        var options = new ClusterIdOptions
        {
            Mongo = MongoEndpoint,
            MongoDatabase = MongoDatabase,
            Collection = Collection,
            MySql = MySqlSource(MySqlDatabase),
            Table = Table,
            Column = Column,
            BatchSize = BatchSize,
        };
        var inserted = new ConcurrentQueue<string>();
        var result = this.RunJournaledJob(UpdateClusterIdJob.Name, options.Endpoints.Source, options.Endpoints.Target, (reporter, token) => UpdateClusterIdJob.RunAsync(options, reporter, PassThru ? inserted.Enqueue : null, token));
        if (result is null) return;
        if (!PassThru)
        {
            WriteObject(result);
            return;
        }

        foreach (var id in inserted) WriteObject(new ClusterIdInserted { RunId = result.RunId, ClusterId = id });
        WriteVerbose($"{result.Target}: {result.SourceIds:N0} ids in {result.Source}, {result.AlreadyPresent:N0} already present, {result.Inserted:N0} inserted, {result.Skipped:N0} skipped.");
    }
}
