using System.Diagnostics;

namespace SyncTools.Bench;

/// <summary>Times a piece of work: a warm-up, then the median of several runs, with bytes allocated per item.</summary>
public static class Measure
{
    public sealed record Figures(double ItemsPerSecond, double BytesAllocatedPerItem, TimeSpan Median);

    public static Figures Run(int items, Action work, int runs = 7)
    {
        work(); // warm-up: JIT, tiering, pools
        var times = new List<TimeSpan>();
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            work();
            times.Add(clock.Elapsed);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var median = times.Order().ElementAt(runs / 2);
        return new Figures(items / median.TotalSeconds, (double)allocated / items, median);
    }

    /// <summary>The peak working set of this process so far, in MiB.</summary>
    public static double PeakWorkingSetMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1024.0 / 1024.0;
    }
}
