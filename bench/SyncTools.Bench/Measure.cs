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

    public sealed record JobRun(TimeSpan Wall, TimeSpan Cpu, double PeakManagedMiB, double AllocatedMiB);

    /// <summary>
    /// Runs a job once: wall time, this process's CPU time (the client side; servers run in their own processes),
    /// the managed heap's peak above where it started (sampled every 5 ms), and bytes allocated.
    /// </summary>
    public static async Task<JobRun> OnceAsync(Func<Task> job)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        long peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(5);
            }
        });
        var clock = Stopwatch.StartNew();
        await job();
        var wall = clock.Elapsed;
        stop.Cancel();
        await sampler;
        process.Refresh();
        return new JobRun(wall, process.TotalProcessorTime - cpuBefore, (peak - baseline) / 1048576.0, (GC.GetTotalAllocatedBytes(true) - allocatedBefore) / 1048576.0);
    }
}
