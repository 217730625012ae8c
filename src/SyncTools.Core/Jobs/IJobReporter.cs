namespace SyncTools.Core.Jobs;

/// <summary>What a running job tells its host, and the one question it asks it.</summary>
/// <remarks>
/// The PowerShell base class maps these onto WriteProgress, WriteVerbose, WriteWarning, WriteError and
/// ShouldProcess; tests collect them in a list. Calls may come from any thread.
/// </remarks>
public interface IJobReporter
{
    void Progress(JobProgress progress);

    void Verbose(string message);

    void Warning(string message);

    /// <summary>A record that was skipped: the job goes on.</summary>
    void RecordError(JobRecordError error);

    /// <summary>Asks before a write. False under -WhatIf or when the user declines: then write nothing.</summary>
    bool ShouldProcess(string target, string action);
}

/// <param name="Activity">What is being done, e.g. "Uploading s3://bucket/key".</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all, when known.</param>
/// <param name="Status">A short line under the bar, e.g. "1,000 of 10,000 links".</param>
public sealed record JobProgress(string Activity, long Done, long? Total, string? Status = null)
{
    public int? PercentComplete => Total is > 0 ? (int)Math.Clamp(Done * 100 / Total.Value, 0, 100) : null;

    public bool IsComplete => Total is { } total && Done >= total;
}

/// <summary>A non-terminating error about one record.</summary>
public sealed record JobRecordError(string Message, JobErrorCategory Category, string ErrorId, object? Target, Exception? Exception = null);
