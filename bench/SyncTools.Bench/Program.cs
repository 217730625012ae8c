using SyncTools.Bench;

var benchmarks = new Dictionary<string, Func<string[], Task>>
{
    ["towandgo"] = TowAndGoBenchmark.RunAsync,
    ["clusterids"] = ClusterIdBenchmark.RunAsync,
    ["orgsync"] = OrgSyncBenchmark.RunAsync,
    ["fullsync"] = FullSyncBenchmark.RunAsync,
    ["changesync"] = ChangeSyncBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project bench/SyncTools.Bench -- <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}

await run(args[1..]);
return 0;
