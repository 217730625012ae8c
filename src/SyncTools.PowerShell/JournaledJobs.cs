using SyncTools.Core.Jobs;
using SyncTools.Core.Status;

namespace SyncTools.PowerShell;

/// <summary>
/// Runs a job that writes and records its run (succeeded, failed or aborted; not -WhatIf) in the journal.
/// An extension in an internal class, not a member of <see cref="SyncToolsCmdlet"/>: the runtime loads a generic
/// method's constraint types (here the engine's IJobResult) with the type that declares it, and PowerShell loads
/// the exported types before <see cref="ModuleInitializer"/> has set up the engine's load context.
/// </summary>
internal static class JournaledJobs
{
    /// <param name="source">Where the job reads; null for a file or the pipeline.</param>
    public static T? RunJournaledJob<T>(this SyncToolsCmdlet cmdlet, string job, SyncEndpoint? source, SyncEndpoint target, Func<IJobReporter, CancellationToken, Task<T?>> run)
        where T : class, IJobResult
    {
        var journal = cmdlet.WhatIfRequested ? null : cmdlet.Journal; // -WhatIf runs are not recorded, failed or not
        return cmdlet.RunJob((reporter, token) => Journaled.RunAsync(journal, job, source, target, reporter, () => run(reporter, token), token));
    }
}
