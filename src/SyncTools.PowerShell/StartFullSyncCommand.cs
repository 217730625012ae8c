using System.Management.Automation;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.PowerShell;

/// <summary>Copies a PostgreSQL table into a MongoDB collection by temp-collection swap, recording the replication slot's LSN for change capture.</summary>
[Cmdlet(VerbsLifecycle.Start, "FullSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FullSyncResult))]
public sealed class StartFullSyncCommand : ServerCmdletBase
{
    /// <summary>The PostgreSQL connection string; parts not in it come from -Server, -Port, -Credential, -PostgresDatabase or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresConnectionString { get; set; }

    /// <summary>The PostgreSQL database that holds the table (and the slot); default $env:PGDATABASE, else the user's name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresDatabase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Schema { get; set; } = FullSyncOptions.DefaultSchema;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = "";

    /// <summary>The column to page by and to use as _id: NOT NULL with a unique index; default the table's own single-column primary key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PrimaryKey { get; set; }

    /// <summary>A filter in your own SQL (a WHERE condition, run as written against the table), e.g. "status &lt;&gt; 'deleted'".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Where { get; set; }

    /// <summary>The MongoDB connection string; default $env:MONGODB_URI.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MongoConnectionString { get; set; }

    /// <summary>The MongoDB database; default the connection string's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>The live collection to replace.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = "";

    [Parameter]
    [ValidateRange(1, FullSyncOptions.MaxPageSize)]
    public int PageSize { get; set; } = FullSyncOptions.DefaultPageSize;

    /// <summary>The logical replication slot (test_decoding) change capture reads; default $env:SLOTNAME.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlotName { get; set; }

    /// <summary>After the swap, create one refresher job per key changed in the source while the copy ran.</summary>
    [Parameter]
    public SwitchParameter CreateRefresherJobs { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string RefresherCollection { get; set; } = FullSyncOptions.DefaultRefresherCollection;

    /// <summary>The job statistics document's _id; default "fullsync:database.collection".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JobName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string StatisticsCollection { get; set; } = FullSyncOptions.DefaultStatisticsCollection;

    /// <summary>Where change capture reads the LSN to resume after.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string LsnCollection { get; set; } = FullSyncOptions.DefaultLsnCollection;

    /// <summary>Stop (as aborted, the live collection untouched) at the first page boundary after this long.</summary>
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>Continue the job's last failed or aborted run from its last committed page instead of starting over.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    protected override void ProcessInput()
    {
        var options = new FullSyncOptions
        {
            Postgres = new PgSource(PostgresConnectionString, Server, Port, Credential?.UserName, Password, PostgresDatabase),
            Schema = Schema,
            Table = Table,
            PrimaryKey = PrimaryKey,
            Where = Where,
            Mongo = new MongoEndpoint(MongoConnectionString),
            Database = Database,
            Collection = Collection,
            PageSize = PageSize,
            SlotName = SlotName,
            CreateRefresherJobs = CreateRefresherJobs,
            RefresherCollection = RefresherCollection,
            JobName = JobName,
            StatisticsCollection = StatisticsCollection,
            LsnCollection = LsnCollection,
            MaxDuration = MaxDuration,
            Resume = Resume,
        };
        var result = this.RunJournaledJob(StartFullSyncJob.Name, options.SourceName, options.TargetName, (reporter, token) => StartFullSyncJob.RunAsync(options, reporter, token));
        if (result is not null) WriteObject(result);
    }
}
