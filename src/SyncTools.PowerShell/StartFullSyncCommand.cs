using System.Management.Automation;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.PowerShell;

/// <summary>Copies a PostgreSQL table into a MongoDB collection by temp-collection swap, recording the replication slot's LSN for change capture.</summary>
/// <remarks>
/// <para>Copies a PostgreSQL table into a MongoDB collection without ever writing the live collection partly. It validates the table, its key and the replication slot; takes a lease on the target in MongoDB (a second run for the same target is refused with who holds it; a crashed run's lease expires); notes the slot's latest LSN touching the table; pages the table by key (keyset, -PageSize rows a page, reading the next page while the last is written) into a temporary collection with _id = the key; and, once every page is in and the counts agree, builds the key index and renames the temporary collection over the live one in one step.</para>
/// <para>PostgreSQL types map to BSON: integers as Int32/Int64, numeric as Decimal128 (as a string where it does not fit), floats as Double, bool, text types as String, timestamp/timestamptz/date as UTC dates, uuid as a UUID, bytea as binary, json/jsonb as embedded documents, arrays as arrays, NULL as null; enums and every other type (interval, inet, money, ranges...) as their text. about_SyncTools_Jobs has the whole mapping and every step.</para>
/// <para>Delivery guarantee: at least once. Every change committed before the copy began is in the copy; every change after the recorded LSN stays pending in the slot, and the LSN is published to the LSN collection (plain and Base64) only after the swap. A change made while the copy ran may be both copied and replayed by change capture resuming there, so apply changes idempotently.</para>
/// <para>Job statistics (status RUNNING, FINISHED, FAILED or ABORTED, rows copied, total, percent, rows per second, last key) are updated in MongoDB after every page, so another process can watch, or stop the run by setting abortRequested: true. Ctrl+C, -MaxDuration and such a request stop the run between pages as ABORTED; a failure ends it as FAILED; either way the live collection is untouched, and -Resume continues from the last page committed. -CreateRefresherJobs then writes one follow-up job per key changed in the source while the copy ran.</para>
/// </remarks>
/// <example title="Copy a table with the environment's settings">
/// <code>
/// $env:PGHOST = 'pg.local'; $env:PGUSER = 'sync'; $env:PGDATABASE = 'fleet'; $env:SLOTNAME = 'fleet_cdc'
/// Start-FullSync -Table vehicles -Collection vehicles -MongoConnectionString 'mongodb://mongo.local:27017/fleet' -CreatePublication
/// </code>
/// <para>Copies public.vehicles into fleet.vehicles by swap and records the slot's LSN for change capture. fleet_cdc is a pgoutput slot, whose changes Start-ChangeSync reads through a publication of the table: -CreatePublication creates it if it is missing.</para>
/// </example>
/// <example title="Copy a filtered table and report it">
/// <code>
/// Start-FullSync -Schema ops -Table trips -Where "status &lt;&gt; 'deleted'" -Collection trips -SlotName trips_refresh -CreateRefresherJobs -MaxDuration (New-TimeSpan -Hours 2) |
///     Export-Csv ./fullsync.csv -Append
/// </code>
/// <para>Only the rows the filter selects are copied; rows changed during the copy get refresher jobs (read from trips_refresh, a test_decoding slot, which refresher jobs need); a run longer than two hours stops as ABORTED and can be continued with -Resume.</para>
/// </example>
/// <example title="Continue a stopped run, then check the counts">
/// <code>
/// Start-FullSync -Schema ops -Table trips -Where "status &lt;&gt; 'deleted'" -Collection trips -SlotName trips_refresh -Resume |
///     Get-SyncStatus -Live
/// </code>
/// <para>Continues the last aborted or failed run of the example above from its last committed page (the table and the filter must be the same); Get-SyncStatus -Live then counts source and target.</para>
/// </example>
/// <example title="Validate without writing">
/// <code>
/// Start-FullSync -Schema ops -Table trips -Collection trips -SlotName trips_refresh -WhatIf
/// </code>
/// <para>Checks the table, key and slot and counts the rows it would copy; takes no lease and writes no LSN or collection.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "FullSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FullSyncResult))]
public sealed class StartFullSyncCommand : PgToMongoCmdletBase
{
    /// <summary>A filter in your own SQL (a WHERE condition, run as written against the table), e.g. "status &lt;&gt; 'deleted'".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Where { get; set; }

    /// <summary>Rows read and inserted per page; default 5000, at most 100000.</summary>
    [Parameter]
    [ValidateRange(1, FullSyncOptions.MaxPageSize)]
    public int PageSize { get; set; } = FullSyncOptions.DefaultPageSize;

    /// <summary>After the swap, create one refresher job per key changed in the source while the copy ran.</summary>
    [Parameter]
    public SwitchParameter CreateRefresherJobs { get; set; }

    /// <summary>Where -CreateRefresherJobs writes its jobs; default refresher_jobs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string RefresherCollection { get; set; } = FullSyncOptions.DefaultRefresherCollection;

    /// <summary>Continue the job's last failed or aborted run from its last committed page instead of starting over.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    protected override void ProcessInput()
    {
        var options = new FullSyncOptions
        {
            Postgres = PgSource,
            Schema = Schema,
            Table = Table,
            PrimaryKey = PrimaryKey,
            Where = Where,
            Mongo = Mongo,
            Database = MongoDatabase,
            Collection = Collection,
            PageSize = PageSize,
            SlotName = SlotName,
            Publication = Publication,
            CreatePublication = CreatePublication,
            CreateRefresherJobs = CreateRefresherJobs,
            RefresherCollection = RefresherCollection,
            JobName = JobName,
            StatisticsCollection = StatisticsCollection,
            LsnCollection = LsnCollection,
            MaxDuration = MaxDuration,
            Resume = Resume,
        };
        var result = this.RunJournaledJob(StartFullSyncJob.Name, options.Endpoints.Source, options.Endpoints.Target, (reporter, token) => StartFullSyncJob.RunAsync(options, reporter, token));
        if (result is not null) WriteObject(result);
    }
}
