using System.Diagnostics;
using SyncTools.Core.ClusterIds;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using MongoDB.Driver;
using MongoDB.Bson;

namespace SyncTools.Bench;

/// <summary>
/// Update-ClusterId on N MongoDB ids of which half are missing from MySQL, beside, in the same run: the source design's
/// loop (read every whole document, then one INSERT per missing id) and the official Node.js driver reading the same
/// projected _ids from the same server. Each phase is timed: MongoDB (SyncTools' read against the driver's) and MySQL
/// (SyncTools' batched inserts against one INSERT per id); and the raw MySQL side, the same missing ids inserted by
/// plain multi-row INSERTs of the same batch size (values bound as positional parameters, as the job binds them).
/// Arguments: [ids] [batch size] [durable] [runs=N].
/// "durable" runs both with MySQL's default innodb_flush_log_at_trx_commit=1 (a log flush per commit, as a production
/// server does) instead of the test server's relaxed 2, then restores it. Each run starts from the same tables, after
/// one unmeasured run of SyncTools (the JIT's tiering otherwise makes the first run pay for unoptimized code).
/// </summary>
public static class ClusterIdBenchmark
{
    private sealed record Run(Measure.JobRun Ours, TimeSpan OursMongo, TimeSpan OursMySql, long Inserted, double NodeSeconds, Measure.JobRun Baseline, TimeSpan BaselineMongo, TimeSpan BaselineMySql, long BaselineInserted, Measure.JobRun RawInsert);

    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 200_000;
        var runs = args.FirstOrDefault(a => a.StartsWith("runs=", StringComparison.Ordinal)) is { } r ? int.Parse(r[5..]) : 3;
        var mongoUri = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MONGO") ?? throw new InvalidOperationException("eval \"$(tests/services/services.sh start)\" first.");
        var mysqlServer = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MYSQL")!;
        var name = $"bench_ids_{Guid.NewGuid():N}"[..20];
        var ids = Enumerable.Range(0, count).Select(i => ObjectId.GenerateNewId(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i).UtcDateTime)).ToList();

        using var mongo = new MongoClient(mongoUri);
        var trips = mongo.GetDatabase(name).GetCollection<BsonDocument>("cluster_trips");
        foreach (var batch in ids.Chunk(10_000))
        {
            await trips.InsertManyAsync(batch.Select(id => new BsonDocument { { "_id", id }, { "points", new BsonArray(Enumerable.Range(0, 20).Select(p => (BsonValue)(p * 1.5))) } }), new InsertManyOptions { IsOrdered = false });
        }

        var server = new MySqlSource(mysqlServer);
        await Execute(server, $"CREATE DATABASE `{name}`");
        var source = new MySqlSource(mysqlServer, database: name);
        var batchSize = args.Length > 1 && int.TryParse(args[1], out var b) ? b : ClusterIdOptions.DefaultBatchSize;
        var durable = args.Contains("durable");
        var flush = await Scalar(server, "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit");
        if (durable) await Execute(server, "SET GLOBAL innodb_flush_log_at_trx_commit = 1");
        var results = new List<Run>();
        try
        {
            for (var run = -1; run < runs; run++) // run -1: SyncTools alone, to warm up (JIT tiering), not counted
            {
                foreach (var table in new[] { "ours", "baseline", "raw" })
                {
                    await Execute(source, $"DROP TABLE IF EXISTS {table}");
                    await Execute(source, $"CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, cluster_id VARCHAR(24) NOT NULL, UNIQUE KEY (cluster_id))");
                    foreach (var batch in ids.Where((_, i) => i % 2 == 0).Chunk(5_000))
                    {
                        await Execute(source, $"INSERT INTO {table} (cluster_id) VALUES " + string.Join(",", batch.Select(id => $"('{id}')")));
                    }
                }

                ClusterIdResult? result = null;
                var phases = new PhaseTimer();
                var options = new ClusterIdOptions { Mongo = new MongoEndpoint(mongoUri), MongoDatabase = name, MySql = source, Table = "ours", BatchSize = batchSize };
                var ours = await Measure.OnceAsync(async () =>
                {
                    phases = new PhaseTimer(); // its clock starts with the job
                    result = await UpdateClusterIdJob.RunAsync(options, phases, null, CancellationToken.None);
                });
                // The MongoDB phase is its read, from its first report (at 0 ids) to its last; the MySQL phase is the rest of
                // the job: the column read beside MongoDB's, then the compare and the inserts after it.
                if (run < 0) continue;
                var mongoRead = phases.Reports($"Reading {name}.");
                var node = NodeDriverRead(mongoUri, name);
                var baselinePhases = (Mongo: TimeSpan.Zero, MySql: TimeSpan.Zero);
                long baselineInserted = 0;
                var baseline = await Measure.OnceAsync(async () => (baselineInserted, baselinePhases) = await SourceDesignLoopAsync(trips, source));
                var rawInsert = await Measure.OnceAsync(() => RawInsertAsync(source, ids.Where((_, i) => i % 2 == 1).Select(id => id.ToString()), batchSize));
                results.Add(new Run(ours, mongoRead.Last - mongoRead.First, ours.Wall - (mongoRead.Last - mongoRead.First), result!.Inserted, node, baseline, baselinePhases.Mongo, baselinePhases.MySql, baselineInserted, rawInsert));
            }
        }
        finally
        {
            await Execute(server, $"SET GLOBAL innodb_flush_log_at_trx_commit = {flush}");
        }

        Console.WriteLine($"Update-ClusterId, {count:N0} MongoDB ids, half missing from MySQL (MariaDB, innodb_flush_log_at_trx_commit={(durable ? 1 : flush)}), CongoDB as MongoDB, {runs} runs");
        Console.WriteLine($"{"",-34}{"inserted",10}{"wall s",9}{"MongoDB s",11}{"MySQL s",9}{"client CPU s",14}{"peak heap MiB",15}");
        foreach (var run in results)
        {
            Console.WriteLine($"{$"SyncTools (batches of {batchSize:N0})",-34}{run.Inserted,10:N0}{run.Ours.Wall.TotalSeconds,9:N2}{run.OursMongo.TotalSeconds,11:N2}{run.OursMySql.TotalSeconds,9:N2}{run.Ours.Cpu.TotalSeconds,14:N2}{run.Ours.PeakManagedMiB,15:N1}");
            Console.WriteLine($"{"Node.js driver, projected _id read",-34}{"",10}{"",9}{run.NodeSeconds,11:N2}");
            Console.WriteLine($"{"raw: multi-row INSERT of the ids",-34}{count / 2,10:N0}{"",9}{"",11}{run.RawInsert.Wall.TotalSeconds,9:N2}{run.RawInsert.Cpu.TotalSeconds,14:N2}{run.RawInsert.PeakManagedMiB,15:N1}");
            Console.WriteLine($"{"source design (an INSERT per id)",-34}{run.BaselineInserted,10:N0}{run.Baseline.Wall.TotalSeconds,9:N2}{run.BaselineMongo.TotalSeconds,11:N2}{run.BaselineMySql.TotalSeconds,9:N2}{run.Baseline.Cpu.TotalSeconds,14:N2}{run.Baseline.PeakManagedMiB,15:N1}");
        }

        static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        Console.WriteLine($"medians: end to end {Median(results.Select(x => x.Baseline.Wall / x.Ours.Wall)):N1}x the source design; " +
            $"MySQL phase {Median(results.Select(x => x.BaselineMySql / x.OursMySql)):N1}x, at {Median(results.Select(x => x.RawInsert.Wall / x.OursMySql)):P0} of the raw insert's rate; " +
            $"MongoDB phase {Median(results.Select(x => x.OursMongo.TotalSeconds / x.NodeSeconds)):N2}x the Node.js driver's read");
        await mongo.GetDatabase(name).RunCommandAsync<BsonDocument>(new BsonDocument("dropDatabase", 1));
        await Execute(server, $"DROP DATABASE `{name}`");
    }

    /// <summary>The ids inserted by plain multi-row INSERTs into the table "raw", which lacks them.</summary>
    private static async Task RawInsertAsync(MySqlSource source, IEnumerable<string> missing, int batchSize)
    {
        await using var connection = await source.OpenAsync(CancellationToken.None);
        foreach (var batch in missing.Chunk(batchSize))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO raw (cluster_id) VALUES " + string.Join(",", batch.Select(id => $"({MySqlIdentifiers.AddPositional(command, [id])})"));
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The official Node.js driver iterating find({}, {_id: 1}) in batches of 10,000; its own timing, after connecting.</summary>
    private static double NodeDriverRead(string uri, string database)
    {
        var modules = Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_NODE_MODULES") ?? throw new InvalidOperationException("SYNCTOOLS_TEST_NODE_MODULES is not set: start the services first.");
        const string script = """
            const { MongoClient } = require(process.argv[1] + '/mongodb');
            (async () => {
              const client = await new MongoClient(process.argv[2]).connect();
              const started = process.hrtime.bigint();
              let n = 0;
              for await (const _ of client.db(process.argv[3]).collection('cluster_trips').find({}, { projection: { _id: 1 }, batchSize: 10000 })) n++;
              console.log(Number(process.hrtime.bigint() - started) / 1e9);
              await client.close();
            })();
            """;
        using var node = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("node", ["-e", script, modules, uri, database]) { RedirectStandardOutput = true })!;
        var output = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        return double.Parse(output, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The source design: find() every whole document, a Set of MySQL ids, then one INSERT per missing id; its MongoDB and MySQL phases timed.</summary>
    private static async Task<(long Inserted, (TimeSpan Mongo, TimeSpan MySql) Phases)> SourceDesignLoopAsync(IMongoCollection<BsonDocument> trips, MySqlSource source)
    {
        var clock = Stopwatch.StartNew();
        var clusters = await trips.Find(new BsonDocument()).ToListAsync();
        var mongo = clock.Elapsed;
        await using var connection = await source.OpenAsync(CancellationToken.None);
        var existing = new HashSet<string>();
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT cluster_id FROM baseline";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync()) existing.Add(reader.GetString(0));
        }

        long inserted = 0;
        foreach (var cluster in clusters)
        {
            var id = cluster["_id"].AsObjectId.ToString();
            if (existing.Contains(id)) continue;
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO baseline (cluster_id) VALUES (@id)";
            MySqlIdentifiers.Add(insert, "@id", id);
            inserted += await insert.ExecuteNonQueryAsync();
        }

        return (inserted, (mongo, clock.Elapsed - mongo));
    }

    private static async Task<object?> Scalar(MySqlSource source, string sql)
    {
        await using var connection = await source.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task Execute(MySqlSource source, string sql)
    {
        await using var connection = await source.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
