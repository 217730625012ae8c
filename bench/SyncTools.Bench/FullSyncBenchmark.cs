using Npgsql;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;
using MongoDB.Driver;
using MongoDB.Bson;

namespace SyncTools.Bench;

/// <summary>
/// Start-FullSync end to end on a table of N rows of 10 mixed columns, beside its two raw sides measured in the same
/// run: paging the table into documents without writing them, and inserting the same documents, built beforehand,
/// without reading. Usage: fullsync [rows] [page size].
/// </summary>
public static class FullSyncBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
        var pageSize = args.Length > 1 ? int.Parse(args[1]) : FullSyncOptions.DefaultPageSize;
        var pgServer = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_PG") ?? throw new InvalidOperationException("eval \"$(tests/services/services.sh start)\" first.");
        var mongoUri = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MONGO")!;
        var name = $"bench_fs_{Guid.NewGuid():N}"[..20];
        var postgres = new PgSource(pgServer);
        await using var pg = await postgres.OpenAsync(CancellationToken.None);
        await Execute(pg, $"""
            CREATE SCHEMA {name};
            CREATE TABLE {name}.orders (id bigint PRIMARY KEY, customer text NOT NULL, email varchar(100), amount numeric(12, 2),
              score double precision, active boolean, created_at timestamptz, tags text[], attrs jsonb, ref uuid);
            INSERT INTO {name}.orders
            SELECT i, 'customer ' || (i % 9973), 'user' || i || '@example.com', (i % 100000) / 100.0, i * 0.37, i % 3 <> 0,
                   '2024-01-01Z'::timestamptz + i * interval '1 second', ARRAY['tag' || (i % 7), 'tag' || (i % 11)],
                   jsonb_build_object('region', 'r' || (i % 13), 'priority', i % 5), md5(i::text)::uuid
            FROM generate_series(1, {rows}) i;
            """);
        await Execute(pg, $"VACUUM ANALYZE {name}.orders"); // as a settled production table is: hint bits set, not by the first reader
        await Execute(pg, $"SELECT pg_create_logical_replication_slot('{name}', 'test_decoding')"); // not in a transaction that wrote
        using var mongo = new MongoClient(mongoUri);
        var database = mongo.GetDatabase(name);
        try
        {
            var options = new FullSyncOptions
            {
                Postgres = postgres, Schema = name, Table = "orders", Mongo = new MongoEndpoint(mongoUri), Database = name,
                Collection = "orders", PageSize = pageSize, SlotName = name,
            };
            // Warm-up: the same run once before the measured one, so that it does not pay for the JIT's tiering
            // (code runs unoptimized until promoted); the raw sides run after it and are warm too.
            await StartFullSyncJob.RunAsync(options with { Collection = "warmup" }, new SilentReporter(), CancellationToken.None);
            await database.DropCollectionAsync("warmup");
            FullSyncResult? result = null;
            var phases = new PhaseTimer();
            var endToEnd = await Measure.OnceAsync(async () => result = await StartFullSyncJob.RunAsync(options, phases, CancellationToken.None));
            phases.Print();
            await database.DropCollectionAsync("orders");

            var pager = await KeysetPager.CreateAsync(pg, name, "orders", null, null, pageSize, CancellationToken.None);
            long read = 0;
            var readOnly = await Measure.OnceAsync(async () =>
            {
                await foreach (var page in pager.ReadAsync(pg, null, CancellationToken.None)) read += page.Documents.Count;
            });

            // The read side's raw bound: PostgreSQL streaming the same rows as binary COPY, read into nothing.
            var copyBytes = 0L;
            var copyOnly = await Measure.OnceAsync(async () =>
            {
                await using var copy = await pg.BeginRawBinaryCopyAsync($"COPY (SELECT * FROM {name}.orders ORDER BY id) TO STDOUT (FORMAT BINARY)");
                var chunk = new byte[81920];
                int n;
                while ((n = await copy.ReadAsync(chunk.AsMemory(), CancellationToken.None)) > 0) copyBytes += n;
            });

            var pages = new List<IReadOnlyList<RawBsonDocument>>();
            await foreach (var page in pager.ReadAsync(pg, null, CancellationToken.None)) pages.Add(page.Documents);
            var raw = database.GetCollection<RawBsonDocument>("raw_insert");
            var writeOnly = await Measure.OnceAsync(async () =>
            {
                foreach (var page in pages) await raw.InsertManyAsync(page, new InsertManyOptions { IsOrdered = false });
            });
            pages.Clear();

            Console.WriteLine($"Start-FullSync, {rows:N0} rows x 10 columns, pages of {pageSize:N0}, PostgreSQL 15 -> CongoDB as MongoDB");
            Console.WriteLine($"{"",-36}{"rows",11}{"wall s",9}{"rows/s",10}{"client CPU s",14}{"peak heap MiB",15}");
            void Line(string label, long count, Measure.JobRun run) =>
                Console.WriteLine($"{label,-36}{count,11:N0}{run.Wall.TotalSeconds,9:N2}{count / run.Wall.TotalSeconds,10:N0}{run.Cpu.TotalSeconds,14:N2}{run.PeakManagedMiB,15:N1}");
            Line("Start-FullSync end to end", result!.CopiedRows, endToEnd);
            Line("read side alone (page to documents)", read, readOnly);
            Line("write side alone (insert built docs)", read, writeOnly);
            Line($"binary COPY into nothing ({copyBytes / 1048576.0:N0} MiB)", read, copyOnly);
            var slower = Math.Max(readOnly.Wall.TotalSeconds, writeOnly.Wall.TotalSeconds);
            Console.WriteLine($"end to end is {slower / endToEnd.Wall.TotalSeconds:P0} of the slower raw side's rate");
            Console.WriteLine($"the read side is {copyOnly.Wall.TotalSeconds / readOnly.Wall.TotalSeconds:P0} of binary COPY's rate");
        }
        finally
        {
            await database.RunCommandAsync<BsonDocument>(new BsonDocument("dropDatabase", 1));
            await Execute(pg, $"SELECT pg_drop_replication_slot('{name}'); DROP SCHEMA {name} CASCADE");
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
