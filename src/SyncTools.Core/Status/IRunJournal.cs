using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>
/// Where runs are recorded: a local file by default, or a MongoDB collection several machines share. Each keeps
/// <see cref="RunJournal.Retention"/> of history: older entries go, but never a target's last run.
/// </summary>
public interface IRunJournal
{
    /// <summary>For messages: the file's path or the (password-masked) collection.</summary>
    string Location { get; }

    Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken);

    /// <summary>Every entry, oldest first; entries that cannot be read are reported as warnings and skipped.</summary>
    IAsyncEnumerable<JournalEntry> ReadAsync(IJobReporter reporter, CancellationToken cancellationToken);

    /// <summary>Removes every entry of these jobs' targets (a target retired); returns how many.</summary>
    Task<long> RemoveAsync(IReadOnlyCollection<(string Job, string Target)> targets, CancellationToken cancellationToken);
}
