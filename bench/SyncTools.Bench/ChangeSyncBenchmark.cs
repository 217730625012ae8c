using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;
using Npgsql;
using SyncTools.Core.ChangeSync;
using SyncTools.Core.FullSync;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Bench;

/// <summary>
/// Start-ChangeSync draining a backlog of row changes (N inserts in transactions of 1,000 rows, then an update and a
/// delete of 1% of the rows each) from a pgoutput slot, beside its raw write side measured in the same run: the same
/// writes (the documents inserted, the updated ones replaced, the deleted ones deleted, in unordered bulks of the
/// same size) without reading the slot. Then the steady-state lag of -Follow under a writer committing about 1,000
/// row changes a second. Usage: changesync [inserts] [follow seconds] [updates and deletes, each; default 1% of the inserts].
/// </summary>
public static class ChangeSyncBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        var followSeconds = args.Length > 1 ? int.Parse(args[1]) : 10;
        var every = rows / (args.Length > 2 ? int.Parse(args[2]) : rows / 100); // every n-th row is updated, and one deleted
        var pgServer = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_PG") ?? throw new InvalidOperationException("eval \"$(tests/services/services.sh start)\" first.");
        var mongoUri = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MONGO")!;
        var name = $"bench_cs_{Guid.NewGuid():N}"[..20];
        var postgres = new PgSource(pgServer);
        await using var pg = await postgres.OpenAsync(CancellationToken.None);
        await Execute(pg, $"""
            CREATE SCHEMA {name};
            CREATE TABLE {name}.orders (id bigint PRIMARY KEY, customer text NOT NULL, email varchar(100), amount numeric(12, 2),
              score double precision, active boolean, created_at timestamptz, tags text[], attrs jsonb, ref uuid);
            CREATE PUBLICATION {name} FOR TABLE {name}.orders;
            """);
        await Execute(pg, $"SELECT pg_create_logical_replication_slot('{name}', 'pgoutput')");
        var mongo = new MongoEndpoint(mongoUri);
        var database = mongo.Client.GetDatabase(name);
        var options = new ChangeSyncOptions
        {
            Postgres = postgres, Schema = name, Table = "orders", Mongo = mongo, Database = name, Collection = "orders", SlotName = name,
        };
        try
        {
            await StartFullSyncJob.RunAsync(new FullSyncOptions { Postgres = postgres, Schema = name, Table = "orders", Mongo = mongo, Database = name, Collection = "orders", SlotName = name },
                new SilentReporter(), CancellationToken.None);
            // Warm-up: a small backlog through the same code, so that the measured run does not pay for the JIT.
            await Insert(pg, name, -1_000, -1);
            await StartChangeSyncJob.RunAsync(options, new SilentReporter(), CancellationToken.None);

            await Insert(pg, name, 1, rows);
            await Execute(pg, $"UPDATE {name}.orders SET score = score + 1 WHERE id > 0 AND id % {every} = 0");
            await Execute(pg, $"DELETE FROM {name}.orders WHERE id > 0 AND id % {every} = {every / 2}");
            var changes = rows + rows / every * 2;
            ChangeSyncResult? result = null;
            var applied = await Measure.OnceAsync(async () => result = await StartChangeSyncJob.RunAsync(options, new SilentReporter(), CancellationToken.None));

            // The raw side: the same writes from documents built beforehand by the same mapping.
            var pager = await KeysetPager.CreateAsync(pg, name, "orders", null, null, options.BatchSize, CancellationToken.None);
            var pages = new List<IReadOnlyList<RawBsonDocument>>();
            await foreach (var page in pager.ReadAsync(pg, null, CancellationToken.None)) pages.Add(page.Documents);
            var raw = database.GetCollection<RawBsonDocument>("raw_write");
            var unordered = new BulkWriteOptions { IsOrdered = false };
            var writeOnly = await Measure.OnceAsync(async () =>
            {
                foreach (var page in pages) await raw.BulkWriteAsync(page.Select(d => new InsertOneModel<RawBsonDocument>(d)), unordered);
                var updated = pages.SelectMany(p => p).Where(d => d["_id"].ToInt64() % every == 0).Select(d => new ReplaceOneModel<RawBsonDocument>(new BsonDocument("_id", d["_id"]), d) { IsUpsert = true });
                await raw.BulkWriteAsync(updated, unordered);
                await raw.BulkWriteAsync(Enumerable.Range(0, rows / every).Select(i => new DeleteOneModel<RawBsonDocument>(new BsonDocument("_id", (long)i * every + every / 2))), unordered);
            });
            var documents = changes;
            pages.Clear();

            Console.WriteLine($"Start-ChangeSync, a backlog of {changes:N0} row changes ({rows:N0} inserts in transactions of 1,000, {rows / every:N0} updates, {rows / every:N0} deletes), PostgreSQL 15 -> CongoDB as MongoDB");
            Console.WriteLine($"{"",-40}{"changes",11}{"wall s",9}{"changes/s",11}{"client CPU s",14}{"servers' CPU s",15}{"machine busy",14}{"peak heap MiB",15}");
            Console.WriteLine($"{"Start-ChangeSync, backlog drained",-40}{changes,11:N0}{applied.Wall.TotalSeconds,9:N2}{changes / applied.Wall.TotalSeconds,11:N0}{applied.Cpu.TotalSeconds,14:N2}{applied.OthersCpu.TotalSeconds,15:N2}{applied.MachineBusy,14:P0}{applied.PeakManagedMiB,15:N1}");
            Console.WriteLine($"{"raw side: the same writes, no slot",-40}{documents,11:N0}{writeOnly.Wall.TotalSeconds,9:N2}{documents / writeOnly.Wall.TotalSeconds,11:N0}{writeOnly.Cpu.TotalSeconds,14:N2}{writeOnly.OthersCpu.TotalSeconds,15:N2}{writeOnly.MachineBusy,14:P0}{writeOnly.PeakManagedMiB,15:N1}");
            Console.WriteLine($"transactions {result!.Transactions:N0}, inserted {result.Inserted:N0}, updated {result.Updated:N0}, deleted {result.Deleted:N0}");
            Console.WriteLine($"rate is {changes / applied.Wall.TotalSeconds / (documents / writeOnly.Wall.TotalSeconds):P0} of the raw write side's");

            await FollowLagAsync(pg, name, options, database, followSeconds);
        }
        finally
        {
            await mongo.Client.DropDatabaseAsync(name);
            await Execute(pg, $"SELECT pg_drop_replication_slot('{name}'); DROP PUBLICATION {name}; DROP SCHEMA {name} CASCADE");
        }
    }

    /// <summary>
    /// -Follow while a writer commits a transaction of 100 inserts every 100 ms: a sampler takes the last row committed,
    /// waits until its document is in the collection, and notes how long after the commit that was.
    /// </summary>
    private static async Task FollowLagAsync(NpgsqlConnection pg, string name, ChangeSyncOptions options, IMongoDatabase database, int seconds)
    {
        var following = StartChangeSyncJob.RunAsync(options with { Follow = true, MaxDuration = TimeSpan.FromSeconds(seconds + 3) }, new SilentReporter(), CancellationToken.None);
        var collection = database.GetCollection<BsonDocument>("orders");
        (long Id, DateTime At) committed = (0, DateTime.MinValue);
        var clock = Stopwatch.StartNew();
        var written = 0L;
        var writer = Task.Run(async () =>
        {
            for (var (next, tick) = (10_000_000L, 1); clock.Elapsed.TotalSeconds < seconds; next += 100, tick++)
            {
                await Execute(pg, $"INSERT INTO {name}.orders (id, customer) SELECT i, 'live' FROM generate_series({next}, {next + 99}) i");
                committed = (next + 99, DateTime.UtcNow);
                written += 100;
                var due = TimeSpan.FromMilliseconds(100 * tick) - clock.Elapsed; // on a fixed schedule
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }
        });
        var lags = new List<double>();
        while (!writer.IsCompleted)
        {
            var (id, at) = committed;
            if (id == 0) { await Task.Delay(20); continue; }
            while (await collection.Find(new BsonDocument("_id", id)).Limit(1).FirstOrDefaultAsync() is null) await Task.Delay(20);
            lags.Add((DateTime.UtcNow - at).TotalSeconds);
        }

        await writer;
        var result = await following;
        lags.Sort();
        Console.WriteLine($"-Follow under a writer of {written / clock.Elapsed.TotalSeconds:N0} inserts/s for {seconds} s: lag p50 {lags[lags.Count / 2]:N2} s, p95 {lags[lags.Count * 95 / 100]:N2} s, max {lags[^1]:N2} s ({lags.Count} samples); applied {result!.Inserted:N0}");
    }

    private static Task Insert(NpgsqlConnection pg, string name, long from, long to) =>
        Execute(pg, $"""
            DO $$ BEGIN FOR batch IN 0..({to} - {from}) / 1000 LOOP
              INSERT INTO {name}.orders
              SELECT i, 'customer ' || (i % 9973), 'user' || i || '@example.com', (i % 100000) / 100.0, i * 0.37, i % 3 <> 0,
                     '2024-01-01Z'::timestamptz + i * interval '1 second', ARRAY['tag' || (i % 7), 'tag' || (i % 11)],
                     jsonb_build_object('region', 'r' || (i % 13), 'priority', i % 5), md5(i::text)::uuid
              FROM generate_series({from} + batch * 1000, least({to}, {from} + batch * 1000 + 999)) i;
              COMMIT;
            END LOOP; END $$
            """);

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
