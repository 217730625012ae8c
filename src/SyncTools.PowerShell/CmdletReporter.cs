using System.Management.Automation;
using SyncTools.Core.Jobs;

namespace SyncTools.PowerShell;

/// <summary>
/// Relays a job's reports to the cmdlet that runs it: progress bars, verbose and warning messages, record errors
/// and ShouldProcess questions. Internal, so that loading the cmdlet types never needs the engine's assembly
/// (see <see cref="EngineLoadContext"/>).
/// </summary>
internal sealed class CmdletReporter(Cmdlet cmdlet) : IJobReporter
{
    private readonly Dictionary<string, int> _activityIds = new();

    public void Progress(JobProgress progress)
    {
        if (!_activityIds.TryGetValue(progress.Activity, out var id))
        {
            _activityIds[progress.Activity] = id = _activityIds.Count + 1;
        }

        cmdlet.WriteProgress(new ProgressRecord(id, progress.Activity, progress.Status ?? $"{progress.Done:N0}")
        {
            PercentComplete = progress.PercentComplete ?? -1,
        });
    }

    public void Verbose(string message) => WithoutPrompt(() => cmdlet.WriteVerbose(message), () => cmdlet.CommandRuntime.Host?.UI.WriteVerboseLine(message));

    public void Warning(string message) => WithoutPrompt(() => cmdlet.WriteWarning(message), () => cmdlet.CommandRuntime.Host?.UI.WriteWarningLine(message));

    /// <summary>
    /// Writes a message; where -Debug turned it into a question (PowerShell's Inquire) that a non-interactive session
    /// (pwsh -NonInteractive, a scheduled task) cannot ask, the message goes to the host's output as it is.
    /// </summary>
    private static void WithoutPrompt(Action write, Action writeToHost)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException)
        {
            writeToHost();
        }
    }

    public void RecordError(JobRecordError error) =>
        cmdlet.WriteError(new ErrorRecord(error.Exception ?? new SyncToolsException(error.Message, error.Category, error.ErrorId, error.Target), error.ErrorId, Map(error.Category), error.Target)
        {
            ErrorDetails = new ErrorDetails(error.Message),
        });

    public bool ShouldProcess(string target, string action) => cmdlet.ShouldProcess(target, action);

    /// <summary>Closes every progress bar this job opened.</summary>
    public void CompleteProgress()
    {
        foreach (var (activity, id) in _activityIds)
        {
            cmdlet.WriteProgress(new ProgressRecord(id, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        _activityIds.Clear();
    }

    public static ErrorCategory Map(JobErrorCategory category) => Enum.Parse<ErrorCategory>(category.ToString());
}
