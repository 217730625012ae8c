namespace SyncTools.Core.Tests.Support;

/// <summary>The temporary files this process holds open for a job's spools (synctools-{job}-*.tmp).</summary>
public static class SpoolFiles
{
    /// <remarks>On Linux a spool's file has no name once open: it is found among the process's open files, marked deleted.</remarks>
    public static string[] Open(string job) => OperatingSystem.IsLinux()
        ? [.. new DirectoryInfo("/proc/self/fd").EnumerateFiles().Select(fd => fd.LinkTarget).OfType<string>().Where(target => target.Contains($"synctools-{job}-", StringComparison.Ordinal)).Order()]
        : Directory.GetFiles(Path.GetTempPath(), $"synctools-{job}-*");
}
