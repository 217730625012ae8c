namespace SyncTools.Core.Jobs;

/// <summary>A job stopped on purpose before it finished (a time limit, or another process asked), leaving things as they were.</summary>
public sealed class JobAbortedException(string message, string errorId, object? target = null)
    : SyncToolsException(message, JobErrorCategory.OperationStopped, errorId, target);
