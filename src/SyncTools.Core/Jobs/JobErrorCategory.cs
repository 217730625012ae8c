namespace SyncTools.Core.Jobs;

/// <summary>Why a job or a record failed.</summary>
/// <remarks>Each name is also a member of PowerShell's ErrorCategory, so the cmdlets map them by name.</remarks>
public enum JobErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ConnectionError,
    AuthenticationError,
    PermissionDenied,
    ResourceUnavailable,
    ResourceBusy,
    OperationStopped,
    OperationTimeout,
    WriteError,
    ReadError,
}
