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

    /// <param name="MachineCpu">The CPU time every process on the machine used meanwhile (this one and the servers), from /proc/stat; zero where there is none.</param>
    public sealed record JobRun(TimeSpan Wall, TimeSpan Cpu, double PeakManagedMiB, double AllocatedMiB, TimeSpan MachineCpu)
    {
        /// <summary>The CPU time the rest of the machine used: the servers (and whatever else ran); zero where the machine's is not known.</summary>
        public TimeSpan OthersCpu => MachineCpu == TimeSpan.Zero ? TimeSpan.Zero : MachineCpu - Cpu;

        /// <summary>How busy the machine's cores were over the run, 1 being every core all the time.</summary>
        public double MachineBusy => MachineCpu / (Wall * Environment.ProcessorCount);
    }

    /// <summary>The CPU time all the machine's cores have been busy (user, nice, system, irq, softirq) since boot; zero off Linux.</summary>
    private static TimeSpan MachineCpuTime()
    {
        if (!File.Exists("/proc/stat")) return TimeSpan.Zero;
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(long.Parse).ToArray();
        const double TicksPerSecond = 100; // USER_HZ
        return TimeSpan.FromSeconds((ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / TicksPerSecond);
    }

    /// <summary>
    /// Runs a job once: wall time, this process's CPU time (the client side; servers run in their own processes), the
    /// machine's CPU time, the managed heap's peak above where it started (sampled every 5 ms), and bytes allocated.
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
        var machineBefore = MachineCpuTime();
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
        var machine = MachineCpuTime() - machineBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore; // over the same time as the machine's
        stop.Cancel();
        await sampler;
        return new JobRun(wall, cpu, (peak - baseline) / 1048576.0, (GC.GetTotalAllocatedBytes(true) - allocatedBefore) / 1048576.0, machine);
    }
}
