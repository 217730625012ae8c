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
/// without reading, into a collection with the same unique index on the key column as the job's; and the read side's bounds: PostgreSQL's binary COPY of the same rows into nothing, and the read's
/// own queries with no value decoded. Runs alternate; medians are reported. Usage: fullsync [rows] [page size] [runs].
/// </summary>
public static class FullSyncBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
        var pageSize = args.Length > 1 ? int.Parse(args[1]) : FullSyncOptions.DefaultPageSize;
        var runs = args.Length > 2 ? int.Parse(args[2]) : 3;
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
            var pager = await KeysetPager.CreateAsync(pg, name, "orders", null, null, pageSize, CancellationToken.None);
            var figures = new Dictionary<string, List<Measure.JobRun>>();
            void Note(string label, Measure.JobRun run) => (figures.TryGetValue(label, out var list) ? list : figures[label] = []).Add(run);
            for (var run = 0; run < runs; run++)
            {
                var phases = new PhaseTimer();
                Note(EndToEnd, await Measure.OnceAsync(() => StartFullSyncJob.RunAsync(options, phases, CancellationToken.None)));
                phases.Print();
                await database.DropCollectionAsync("orders");
                Note(ReadSide, await Measure.OnceAsync(async () =>
                {
                    await foreach (var _ in pager.ReadAsync(pg, null, CancellationToken.None)) { }
                }));
                Note(Transport, await Measure.OnceAsync(() => PagesWithoutValuesAsync(pg, pager, pageSize)));
                Note(Copy, await Measure.OnceAsync(() => BinaryCopyAsync(pg, $"SELECT * FROM {name}.orders ORDER BY id")));
                // Built just before, and let go just after: held during the other runs, they would change the GC's pace.
                var pages = new List<IReadOnlyList<RawBsonDocument>>();
                await foreach (var page in pager.ReadAsync(pg, null, CancellationToken.None)) pages.Add(page.Documents);
                // The same writes as the job's: the documents, into a collection with the key column's unique index.
                var raw = database.GetCollection<RawBsonDocument>("raw_insert");
                await raw.Indexes.CreateOneAsync(new CreateIndexModel<RawBsonDocument>(new BsonDocument("id", 1), new CreateIndexOptions { Unique = true }));
                Note(WriteSide, await Measure.OnceAsync(async () =>
                {
                    foreach (var page in pages) await raw.InsertManyAsync(page, new InsertManyOptions { IsOrdered = false });
                }));
                await database.DropCollectionAsync("raw_insert");
            }

            Console.WriteLine($"Start-FullSync, {rows:N0} rows x 10 columns, pages of {pageSize:N0}, PostgreSQL 15 -> CongoDB as MongoDB; median of {runs} runs (each run's figures in order)");
            Console.WriteLine($"{"",-44}{"wall s",9}{"rows/s",10}{"client CPU s",14}{"servers' CPU s",15}{"machine busy",14}{"peak heap MiB",15}   runs (wall s)");
            Measure.JobRun Median(string label) => figures[label].OrderBy(r => r.Wall).ElementAt(runs / 2);
            foreach (var (label, list) in figures)
            {
                var median = Median(label);
                Console.WriteLine($"{label,-44}{median.Wall.TotalSeconds,9:N2}{rows / median.Wall.TotalSeconds,10:N0}{median.Cpu.TotalSeconds,14:N2}{median.OthersCpu.TotalSeconds,15:N2}{median.MachineBusy,14:P0}{median.PeakManagedMiB,15:N1}   {string.Join(" ", list.Select(r => r.Wall.TotalSeconds.ToString("N2")))}");
            }

            var slower = Math.Max(Median(ReadSide).Wall.TotalSeconds, Median(WriteSide).Wall.TotalSeconds);
            Console.WriteLine($"end to end runs at {slower / Median(EndToEnd).Wall.TotalSeconds:P0} of the slower raw side's rate; the read side at {Median(Copy).Wall / Median(ReadSide).Wall:P0} of binary COPY's, " +
                $"the driver's paging alone at {Median(Copy).Wall / Median(Transport).Wall:P0} of it");
            // Each run's job and raw sides measured in that run, then the median of those ratios.
            double Wall(string label, int run) => figures[label][run].Wall.TotalSeconds;
            string PerRun(Func<int, double> ratio)
            {
                var ratios = Enumerable.Range(0, runs).Select(ratio).ToList();
                return $"{ratios.Order().ElementAt(runs / 2):P0} ({string.Join(", ", ratios.Select(r => r.ToString("P0")))})";
            }

            Console.WriteLine($"per run, median: end to end at {PerRun(i => Math.Max(Wall(ReadSide, i), Wall(WriteSide, i)) / Wall(EndToEnd, i))} of the slower raw side's rate; " +
                $"the read side at {PerRun(i => Wall(Copy, i) / Wall(ReadSide, i))} of binary COPY's");
        }
        finally
        {
            await database.RunCommandAsync<BsonDocument>(new BsonDocument("dropDatabase", 1));
            await Execute(pg, $"SELECT pg_drop_replication_slot('{name}'); DROP SCHEMA {name} CASCADE");
        }
    }

    private const string EndToEnd = "Start-FullSync end to end";
    private const string ReadSide = "read side alone (pages to documents)";
    private const string WriteSide = "write side alone (insert built documents)";
    private const string Copy = "binary COPY of the table into nothing";
    private const string Transport = "the read's pages, no value decoded";

    /// <summary>What PostgreSQL streams fastest: the rows as binary COPY, read into nothing.</summary>
    private static async Task BinaryCopyAsync(NpgsqlConnection pg, string query)
    {
        await using var copy = await pg.BeginRawBinaryCopyAsync($"COPY ({query}) TO STDOUT (FORMAT BINARY)");
        var chunk = new byte[81920];
        while (await copy.ReadAsync(chunk.AsMemory(), CancellationToken.None) > 0) { }
    }

    /// <summary>The read side's queries (the pager's, page after page) with only each page's last key read: the driver's row protocol alone.</summary>
    private static async Task PagesWithoutValuesAsync(NpgsqlConnection pg, KeysetPager pager, int pageSize)
    {
        string? after = null;
        while (true)
        {
            var sql = $"SELECT {string.Join(", ", pager.Columns.Select(c => PgBsonMapping.For(c).Projection))}, source.id::text FROM {pager.Table} AS source"
                      + (after is null ? "" : " WHERE source.id > CAST($1 AS bigint)") + $" ORDER BY source.id LIMIT {pageSize}";
            await using var command = new NpgsqlCommand(sql, pg);
            if (after is not null) command.Parameters.Add(new() { Value = after });
            await using var reader = await command.ExecuteReaderAsync();
            string? last = null;
            while (await reader.ReadAsync()) last = reader.GetString(pager.Columns.Count);
            if (last is null) return;
            after = last;
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
