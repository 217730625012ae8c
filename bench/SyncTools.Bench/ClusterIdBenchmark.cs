using System.Diagnostics;
using SyncTools.Core.ClusterIds;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using MongoDB.Driver;
using MongoDB.Bson;

namespace SyncTools.Bench;

/// <summary>
/// Update-ClusterId on N MongoDB ids of which half are missing from MySQL, beside the source design's loop (read every
/// whole document, then one INSERT per missing id) on the same data in the same run.
/// Arguments: [ids] [batch size] [durable]. "durable" runs both with MySQL's default innodb_flush_log_at_trx_commit=1
/// (a log flush per commit, as a production server does) instead of the test server's relaxed 2, then restores it.
/// </summary>
public static class ClusterIdBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0]) : 200_000;
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
        foreach (var table in new[] { "ours", "baseline" })
        {
            await Execute(source, $"CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, cluster_id VARCHAR(24) NOT NULL, UNIQUE KEY (cluster_id))");
            foreach (var batch in ids.Where((_, i) => i % 2 == 0).Chunk(5_000))
            {
                await Execute(source, $"INSERT INTO {table} (cluster_id) VALUES " + string.Join(",", batch.Select(id => $"('{id}')")));
            }
        }

        var batchSize = args.Length > 1 ? int.Parse(args[1]) : ClusterIdOptions.DefaultBatchSize;
        var durable = args.Contains("durable");
        var flush = await Scalar(server, "SELECT @@GLOBAL.innodb_flush_log_at_trx_commit");
        if (durable) await Execute(server, "SET GLOBAL innodb_flush_log_at_trx_commit = 1");
        ClusterIdResult? result = null;
        long baselineInserted = 0;
        var phases = new PhaseTimer();
        Measure.JobRun ours, baseline;
        try
        {
            var options = new ClusterIdOptions { Mongo = new MongoEndpoint(mongoUri), MongoDatabase = name, MySql = source, Table = "ours", BatchSize = batchSize };
            ours = await Measure.OnceAsync(async () => result = await UpdateClusterIdJob.RunAsync(options, phases, null, CancellationToken.None));
            phases.Print();
            baseline = await Measure.OnceAsync(async () => baselineInserted = await SourceDesignLoopAsync(trips, source));
        }
        finally
        {
            await Execute(server, $"SET GLOBAL innodb_flush_log_at_trx_commit = {flush}");
        }

        Console.WriteLine($"Update-ClusterId, {count:N0} MongoDB ids, half missing from MySQL (MariaDB, innodb_flush_log_at_trx_commit={(durable ? 1 : flush)}), CongoDB as MongoDB");
        Console.WriteLine($"{"",-34}{"inserted",10}{"wall s",9}{"client CPU s",14}{"peak heap MiB",15}");
        Console.WriteLine($"{$"SyncTools (batches of {batchSize:N0})",-34}{result!.Inserted,10:N0}{ours.Wall.TotalSeconds,9:N2}{ours.Cpu.TotalSeconds,14:N2}{ours.PeakManagedMiB,15:N1}");
        Console.WriteLine($"{"source design (an INSERT per id)",-34}{baselineInserted,10:N0}{baseline.Wall.TotalSeconds,9:N2}{baseline.Cpu.TotalSeconds,14:N2}{baseline.PeakManagedMiB,15:N1}");
        Console.WriteLine($"speed-up {baseline.Wall.TotalSeconds / ours.Wall.TotalSeconds:N1}x");
        await mongo.GetDatabase(name).RunCommandAsync<BsonDocument>(new BsonDocument("dropDatabase", 1));
        await Execute(server, $"DROP DATABASE `{name}`");
    }

    /// <summary>The source design: find() every whole document, a Set of MySQL ids, then one INSERT per missing id.</summary>
    private static async Task<long> SourceDesignLoopAsync(IMongoCollection<BsonDocument> trips, MySqlSource source)
    {
        var clusters = await trips.Find(new BsonDocument()).ToListAsync();
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

        return inserted;
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
