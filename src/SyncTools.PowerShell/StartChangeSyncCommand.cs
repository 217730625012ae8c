using System.Management.Automation;
using SyncTools.Core.ChangeSync;

namespace SyncTools.PowerShell;

/// <summary>Applies a PostgreSQL table's changes from a pgoutput replication slot to the MongoDB collection Start-FullSync filled, so the collection keeps following the table.</summary>
/// <remarks>
/// <para>Reads the changes of the table from a logical replication slot of the standard pgoutput plugin over PostgreSQL's streaming replication protocol, starting after the LSN Start-FullSync published for the collection, and applies them: an insert or update replaces the document by its key (upsert), a delete removes it, an update that changes the key removes the old document. Each changed row becomes a document by the same mapping as the full sync (PostgreSQL turns the decoded text back into the column's type first). Updates and deletes name their row by the table's replica identity, which must hold the key column; otherwise the error gives the ALTER TABLE ... REPLICA IDENTITY that fixes it. The publication (-Publication, default the slot's name) must publish the table's inserts, updates, deletes and truncates; -CreatePublication creates a missing one for the table alone.</para>
/// <para>Delivery guarantee: at least once, and every write idempotent. Changes go out whole transaction by whole transaction in commit order, in unordered bulk writes of many transactions at once, split where a key repeats; the published LSN and the slot's confirmed position move to the end of a transaction only after MongoDB acknowledged every write up to it. A crash, Ctrl+C or kill at any moment loses nothing; the next run re-applies at most what had not been acknowledged, which changes nothing twice. While idle, and every 2 seconds while the slot streams other tables' transactions, the slot's position follows the server, so the slot does not hold back WAL.</para>
/// <para>Without -Follow the run ends once it has applied everything the server had written when it started; with -Follow it keeps applying until -MaxDuration or an abort request (abortRequested: true in its statistics document, as for Start-FullSync), each of which waits for the end of the transaction being read, and then returns its result; Ctrl+C stops it at once, keeping what was acknowledged. A TRUNCATE of the table, a change of its columns, or a value the mapping refuses stops the run with an error after the transactions before it are applied. One consumer per slot and collection: a second run is refused while the first holds the collection's lock, and a slot another reader (a change sync of another table, Debezium) moved past the LSN published for this table is refused rather than read past the changes it lost: give each table a slot of its own. -WhatIf peeks the slot and says how many inserts, updates and deletes are pending, and applies and acknowledges none.</para>
/// </remarks>
/// <example title="Follow a table after its full sync">
/// <code>
/// $job = @{ Table = 'vehicles'; Collection = 'vehicles'; SlotName = 'fleet_cdc'; MongoConnectionString = 'mongodb://mongo.local:27017/fleet' }
/// Start-FullSync @job -CreatePublication
/// Start-ChangeSync @job | Get-SyncStatus
/// </code>
/// <para>Copies the table, then applies every change made since the copy's LSN, and reports the collection's health.</para>
/// </example>
/// <example title="Keep following for an hour, in a scheduled task">
/// <code>
/// Start-ChangeSync -Table vehicles -Collection vehicles -Follow -MaxDuration (New-TimeSpan -Hours 1) | Export-Csv ./changesync.csv -Append
/// </code>
/// <para>Applies changes as they commit for an hour, then appends what it applied and how far behind it ended.</para>
/// </example>
/// <example title="See what is pending without applying it">
/// <code>
/// Start-ChangeSync -Table vehicles -Collection vehicles -WhatIf
/// </code>
/// <para>Says how many inserts, updates and deletes wait in the slot; writes nothing and leaves the slot where it was.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "ChangeSync", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ChangeSyncResult))]
public sealed class StartChangeSyncCommand : PgToMongoCmdletBase
{
    /// <summary>Row changes per bulk write to MongoDB at most; default 5000, at most 100000.</summary>
    [Parameter]
    [ValidateRange(1, ChangeSyncOptions.MaxBatchSize)]
    public int BatchSize { get; set; } = ChangeSyncOptions.DefaultBatchSize;

    /// <summary>Keep applying changes as they commit until -MaxDuration, an abort request or Ctrl+C, instead of ending once caught up.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    protected override void ProcessInput()
    {
        var options = new ChangeSyncOptions
        {
            Postgres = PgSource,
            Schema = Schema,
            Table = Table,
            PrimaryKey = PrimaryKey,
            Mongo = Mongo,
            Database = MongoDatabase,
            Collection = Collection,
            SlotName = SlotName,
            Publication = Publication,
            CreatePublication = CreatePublication,
            JobName = JobName,
            StatisticsCollection = StatisticsCollection,
            LsnCollection = LsnCollection,
            BatchSize = BatchSize,
            Follow = Follow,
            MaxDuration = MaxDuration,
        };
        var result = this.RunJournaledJob(StartChangeSyncJob.Name, options.Endpoints.Source, options.Endpoints.Target, (reporter, token) => StartChangeSyncJob.RunAsync(options, reporter, token));
        if (result is not null) WriteObject(result);
    }
}
