using System.Management.Automation;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;

namespace SyncTools.PowerShell;

/// <summary>The last run, last success and health of each job and target in the run journal.</summary>
[Cmdlet(VerbsCommon.Get, "SyncStatus")]
[OutputType(typeof(SyncStatus))]
public sealed class GetSyncStatusCommand : DatabaseCmdletBase
{
    private readonly HashSet<(string, string)> _written = new();

    /// <summary>Only this job, e.g. Sync-TowAndGoToMongo; binds from any SyncTools result.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Job { get; set; }

    /// <summary>Only the job and target of this run; binds from any SyncTools result.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Guid? RunId { get; set; }

    /// <summary>No success for longer than this is unhealthy; default 26 hours (a daily job with slack).</summary>
    [Parameter]
    public TimeSpan MaxAge { get; set; } = SyncStatusOptions.DefaultMaxAge;

    /// <summary>Only what is unhealthy: for alerting in a runbook.</summary>
    [Parameter]
    public SwitchParameter Unhealthy { get; set; }

    /// <summary>
    /// Count each target (and its source) live, over the connection parameters; a target holding fewer than its
    /// source is unhealthy.
    /// </summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>The PostgreSQL server for Start-FullSync's live counts; default from PGHOST, PGPORT, PGUSER, PGPASSWORD when PGHOST is set.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PostgresConnectionString { get; set; }

    protected override void ProcessInput()
    {
        var options = new SyncStatusOptions { Job = Job, RunId = RunId, MaxAge = MaxAge, UnhealthyOnly = Unhealthy, Live = Live ? Connections() : null };
        var journal = Journal;
        foreach (var status in RunJob((reporter, token) => SyncStatusQuery.RunAsync(options, journal, reporter, token)))
        {
            // Several results of one job and target from the pipeline show it once.
            if (_written.Add((status.Job, status.Target))) WriteObject(status);
        }
    }

    /// <summary>
    /// MongoDB only when a connection string is at hand; MySQL from its parameters and the DB_* defaults; PostgreSQL
    /// when its connection string is given or PGHOST is set.
    /// </summary>
    private LiveConnections Connections() => new(
        HasMongo ? MongoEndpoint : null,
        MySqlSource(),
        PostgresConnectionString is not null || Environment.GetEnvironmentVariable("PGHOST") is { Length: > 0 } ? new PgSource(PostgresConnectionString) : null);
}
