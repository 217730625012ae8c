using System.Diagnostics;
using System.Text.Json;
using SyncTools.Mongo.Bson;

namespace SyncTools.Bench;

/// <summary>
/// BSON encode and decode of a typical synced row (15 mixed fields), ours beside the official `bson` npm package
/// on the same documents (bench/reference/bson-bench.mjs), in the same run.
/// </summary>
public static class BsonBenchmark
{
    public static Task RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 200_000;
        var rows = Enumerable.Range(0, count).Select(TypicalRow).ToList();
        using var buffer = new BsonBuffer(1 << 20);
        var encoded = rows.Select(BsonSerializer.Serialize).ToList();
        var bytes = encoded.Sum(e => (long)e.Length);

        var encode = Measure.Run(count, () =>
        {
            foreach (var row in rows)
            {
                buffer.Clear();
                BsonSerializer.Serialize(row, buffer);
            }
        });
        var decode = Measure.Run(count, () =>
        {
            foreach (var e in encoded) BsonSerializer.Deserialize(e);
        });

        var reference = RunReference(count);
        Console.WriteLine($"BSON, {count:N0} typical rows of {bytes / count} bytes, median of 7 runs");
        Console.WriteLine($"{"",-22}{"docs/s",14}{"MB/s",10}{"alloc B/doc",13}");
        Print("SyncTools encode", encode.ItemsPerSecond, bytes / (double)count, encode.BytesAllocatedPerItem);
        Print("bson (npm) encode", reference.GetProperty("encode").GetDouble(), bytes / (double)count, null);
        Print("SyncTools decode", decode.ItemsPerSecond, bytes / (double)count, decode.BytesAllocatedPerItem);
        Print("bson (npm) decode", reference.GetProperty("decode").GetDouble(), bytes / (double)count, null);
        Console.WriteLine($"ratio encode {encode.ItemsPerSecond / reference.GetProperty("encode").GetDouble():0.00}x, decode {decode.ItemsPerSecond / reference.GetProperty("decode").GetDouble():0.00}x (SyncTools / bson npm)");
        if (reference.GetProperty("bytes").GetInt64() != bytes) Console.WriteLine("WARNING: the reference encoded a different number of bytes");
        return Task.CompletedTask;
    }

    /// <summary>The row the reference script builds too: keep the two in step.</summary>
    public static BsonDocument TypicalRow(int i) => new()
    {
        { "_id", (long)i },
        { "account_id", ObjectId.Parse("64b7f0c2a1b2c3d4e5f60718") },
        { "msisdn", $"+4479{i:D8}" },
        { "iccid", $"8944{i:D15}" },
        { "status", (i % 3) switch { 0 => "ACTIVE", 1 => "SUSPENDED", _ => "TERMINATED" } },
        { "plan", "Unlimited 5G" },
        { "balance", Decimal128.Parse($"{1234 + i}.56") },
        { "data_used_mb", i * 1.5 },
        { "sms_count", i % 1000 },
        { "roaming", i % 2 == 0 },
        { "activated_at", new BsonDateTime(1_684_216_515_000 + i) },
        { "updated_at", new BsonDateTime(1_700_000_000_000 + i) },
        { "device_id", BsonBinaryData.FromGuid(Guid.Parse($"{i:x8}-0002-0003-0405-060708090a0b")) },
        { "tags", new BsonArray { "kyc", "esim" } },
        { "address", new BsonDocument { { "city", "London" }, { "postcode", "EC1A 1BB" } } },
    };

    private static JsonElement RunReference(int count)
    {
        var modules = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_NODE_MODULES")
            ?? throw new InvalidOperationException("SYNCTOOLS_TEST_NODE_MODULES is not set: eval \"$(tests/services/services.sh start)\" first.");
        var script = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "reference", "bson-bench.mjs");
        var start = new ProcessStartInfo("node", [Path.GetFullPath(script), count.ToString()]) { RedirectStandardOutput = true };
        start.Environment["SYNCTOOLS_TEST_NODE_MODULES"] = modules;
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        return JsonDocument.Parse(output).RootElement;
    }

    private static void Print(string name, double docsPerSecond, double bytesPerDoc, double? allocated) =>
        Console.WriteLine($"{name,-22}{docsPerSecond,14:N0}{docsPerSecond * bytesPerDoc / 1e6,10:N1}{(allocated is null ? "n/a" : allocated.Value.ToString("N0")),13}");
}
