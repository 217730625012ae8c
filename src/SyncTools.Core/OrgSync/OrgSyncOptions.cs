using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;

namespace SyncTools.Core.OrgSync;

/// <summary>What Invoke-OrgSync is to do. Names and the batch size default to the source design's.</summary>
public sealed record OrgSyncOptions
{
    public const string DefaultSourceDatabase = "laas";
    public const string DefaultTargetDatabase = "organizations";
    public const int DefaultBatchSize = 1000;
    public const int MaxBatchSize = 10_000;

    /// <summary>More failed rows than this in one run stop it as failed: past a few, something is wrong with the data as a whole.</summary>
    public const int DefaultMaxFailedRows = 100;

    /// <summary>The LAAS server; its database is <see cref="SourceDatabase"/>.</summary>
    public required MySqlSource Source { get; init; }

    /// <summary>The organizations server; its database is <see cref="TargetDatabase"/>.</summary>
    public required MySqlSource Target { get; init; }

    public string SourceDatabase { get; init; } = DefaultSourceDatabase;

    public string TargetDatabase { get; init; } = DefaultTargetDatabase;

    /// <summary>"server:port/laas", as the journal and messages name the source: the server and database, not the login (a target is what it is, whoever reaches it).</summary>
    public string SourceName => Source.WithDatabase(SourceDatabase).Location;

    public string TargetName => Target.WithDatabase(TargetDatabase).Location;

    /// <summary>The two databases by what they are, for the journal.</summary>
    public (Status.SyncEndpoint Source, Status.SyncEndpoint Target) Endpoints =>
        (Source.WithDatabase(SourceDatabase).Endpoint(), Target.WithDatabase(TargetDatabase).Endpoint());

    /// <summary>The tables to sync; they run in foreign-key order whatever the order given. Empty: all four.</summary>
    public IReadOnlyCollection<OrgSyncTable> Tables { get; init; } = [];

    /// <summary>Rows read, compared and written per statement.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Failed rows a run tolerates (each reported); one more stops it as failed, what was written staying.</summary>
    public int MaxFailedRows { get; init; } = DefaultMaxFailedRows;

    /// <summary>Only rows whose updated_at is at or after this source-clock time (see <see cref="OrgSyncJob.IncrementalSinceAsync"/>); null: every row.</summary>
    public DateTime? ChangedSince { get; init; }

    /// <summary>Read and compare both sides, ask the reporter about each table's changes, write nothing (-WhatIf).</summary>
    public bool Preview { get; init; }

    /// <summary>Create the target database and any missing table from module/sql/organizations.sql first.</summary>
    public bool CreateTargetSchema { get; init; }

    /// <summary>
    /// Remove the target rows whose source rows are gone or no longer pass the filter (deleted or deactivated users,
    /// their memberships and auth), children first. Without it they are left, with a warning.
    /// </summary>
    public bool RemoveMissing { get; init; }

    /// <summary>The most -RemoveMissing removes from a table without <see cref="Force"/>, as a percentage of its rows: a source that reads as empty must not empty the target.</summary>
    public double MaxRemovePercent { get; init; } = DefaultMaxRemovePercent;

    public const double DefaultMaxRemovePercent = 10;

    /// <summary>Remove beyond <see cref="MaxRemovePercent"/>, even a whole table.</summary>
    public bool Force { get; init; }

    /// <summary>How transient failures (connection dropped, deadlock, lock wait timeout) are retried.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
}
