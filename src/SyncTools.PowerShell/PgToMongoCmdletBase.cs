using System.Management.Automation;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.PowerShell;

/// <summary>
/// The parameters Start-FullSync and Start-ChangeSync share (a table, a collection, the slot between them), so one
/// splatted hashtable serves both.
/// </summary>
public abstract class PgToMongoCmdletBase : SyncToolsCmdlet
{
    /// <summary>The PostgreSQL server's host; default $env:PGHOST, else localhost.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>The PostgreSQL server's port; default $env:PGPORT, else 5432.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The PostgreSQL user and password; default $env:PGUSER and $env:PGPASSWORD, for PGHOST's own server only (another server named by -Server or the connection string gets neither).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The PostgreSQL connection string; parts not in it come from -Server, -Port, -Credential, -PostgresDatabase or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresConnectionString { get; set; }

    /// <summary>The PostgreSQL database that holds the table (and the slot); default $env:PGDATABASE, else the user's name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresDatabase { get; set; }

    /// <summary>The table's schema; default public.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Schema { get; set; } = FullSyncOptions.DefaultSchema;

    /// <summary>The PostgreSQL table the collection follows.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = "";

    /// <summary>The key column, the documents' _id: NOT NULL with a unique index of its own; default the table's own single-column primary key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PrimaryKey { get; set; }

    /// <summary>The MongoDB connection string; default $env:MONGODB_URI.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MongoConnectionString { get; set; }

    /// <summary>The MongoDB database; default the connection string's. (-Database is its alias.)</summary>
    [Parameter]
    [Alias("Database")]
    [ValidateNotNullOrEmpty]
    public string? MongoDatabase { get; set; }

    /// <summary>The MongoDB collection that holds the table.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Collection { get; set; } = "";

    /// <summary>The logical replication slot of the table's changes (pgoutput; Start-FullSync also reads test_decoding slots); default $env:SLOTNAME.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlotName { get; set; }

    /// <summary>For a pgoutput slot: the publication it decodes with; default the slot's name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Publication { get; set; }

    /// <summary>For a pgoutput slot: create the publication, for the table alone, when it does not exist.</summary>
    [Parameter]
    public SwitchParameter CreatePublication { get; set; }

    /// <summary>The job statistics document's _id; default "fullsync:database.collection" or "changesync:database.collection", after the cmdlet.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JobName { get; set; }

    /// <summary>Where the job statistics document is kept; default sync_job_stats.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string StatisticsCollection { get; set; } = FullSyncOptions.DefaultStatisticsCollection;

    /// <summary>Where the LSN change capture resumes after is published; default cdc_lsn.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string LsnCollection { get; set; } = FullSyncOptions.DefaultLsnCollection;

    /// <summary>Stop after this long: Start-FullSync as aborted at a page boundary (the live collection untouched, -Resume continues); Start-ChangeSync after its last acknowledged write, with its result.</summary>
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    protected PgSource PgSource => new(PostgresConnectionString, Server, Port, Credential?.UserName, PasswordOf(Credential), PostgresDatabase);

    protected MongoEndpoint Mongo => new(MongoConnectionString);
}
