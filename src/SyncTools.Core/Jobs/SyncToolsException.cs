namespace SyncTools.Core.Jobs;

/// <summary>A job that cannot run or cannot finish, with a message the user can act on.</summary>
/// <param name="message">What went wrong and where; never a secret.</param>
/// <param name="category">The kind of failure, mapped to PowerShell's ErrorCategory.</param>
/// <param name="errorId">A stable identifier, e.g. "SnapshotInvalid".</param>
/// <param name="target">What it concerns (a bucket/key, a table), shown as the error's target.</param>
public class SyncToolsException(
    string message,
    JobErrorCategory category,
    string errorId,
    object? target = null,
    Exception? innerException = null) : Exception(message, innerException)
{
    public JobErrorCategory Category { get; } = category;

    public string ErrorId { get; } = errorId;

    public object? Target { get; } = target;

    /// <summary>The run that failed, when the job had one: the journal records the failure under it, the id its statistics and messages use.</summary>
    public Guid? RunId { get; set; }

    /// <summary>This error, under <paramref name="runId"/> unless it already names a run.</summary>
    public SyncToolsException OfRun(Guid runId)
    {
        RunId ??= runId;
        return this;
    }
}
