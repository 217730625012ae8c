using System.Data.Common;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;
using SyncTools.Tests;

namespace SyncTools.Bench;

/// <summary>
/// Invoke-OrgSync on a generated LAAS database (users, institutes, institute users at the issue's sizes, times a scale
/// factor) into an empty and then a full target, beside the source design's way (batches of 100 by LIMIT/OFFSET, one
/// upsert per row) on the same data in the same run, each into a target database of its own, and beside the raw sides
/// (<see cref="RawSidesAsync"/>). The job runs unmeasured first, into an empty and then a full target of its own.
/// </summary>
public static class OrgSyncBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var scale = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1;
        if (scale <= 0) throw new ArgumentException("The scale must be above 0.");
        var batchSizes = args.Length > 1 ? args[1].Split(',').Select(int.Parse).ToArray() : [OrgSyncOptions.DefaultBatchSize, 1000];
        var withBaseline = !args.Contains("--no-baseline");
        var (users, institutes, links) = ((int)(100_000 * scale), (int)(2_000 * scale), (int)(150_000 * scale));
        var server = new MySqlSource(Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MYSQL") ?? throw new InvalidOperationException("eval \"$(tests/services/services.sh start)\" first."));
        var name = $"bench_org_{Guid.NewGuid():N}"[..20];
        await using var admin = await server.OpenAsync(CancellationToken.None);
        await Execute(admin, $"""
            CREATE DATABASE `{name}_laas`; USE `{name}_laas`;
            {LaasSchema.Create}
            INSERT INTO institutes SELECT seq, CONCAT('Institute ', seq), CONCAT('https://img.example.org/', seq, '.png'), '2020-01-01 08:00:00', '2021-06-01 09:30:00' FROM seq_1_to_{institutes};
            INSERT INTO users SELECT seq, CONCAT('First', seq), CONCAT('Last', seq), CONCAT('user', seq, '@example.org'),
              CONCAT('$2b$10$', SHA1(seq)), seq % 10 <> 0, '2020-01-01 08:00:00', '2021-06-01 09:30:00' FROM seq_1_to_{users};
            INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at)
              SELECT 1 + ((seq - 1) % {users} * 37 + (seq - 1) DIV {users}) % {institutes}, 1 + (seq - 1) % {users}, ELT(1 + seq % 6, 'ADMIN', 'TEACHER', 'INSTRUCTOR', 'STUDENT', 'STAFF', 'DIRECTOR'),
                     IF(seq % 5 = 0, 'INACTIVE', 'ACTIVE'), '2020-01-01 08:00:00', '2021-06-01 09:30:00' FROM seq_1_to_{links};
            """);
        Console.WriteLine($"Invoke-OrgSync: {users:N0} users (90% active), {institutes:N0} institutes, {links:N0} institute users; MariaDB 10.11, same server");
        Console.WriteLine($"{"",-44}{"rows written",14}{"wall s",9}{"rows/s",10}{"client CPU s",14}{"servers' CPU s",15}{"machine busy",14}{"peak heap MiB",15}");
        var walls = new Dictionary<string, double>();

        // Warm-up: runs into a target of their own first, empty and then full, so that the measured runs do not pay for
        // the JIT's tiering of either path (at scale 1, one of each; a smaller database needs as many more as make up as
        // many rows: at scale 0.3 with one, the first measured run took 2.6 s and 2.9 s of CPU against 1.5 s and 0.85 s
        // with the JIT's tiering off).
        for (var warm = 0; warm < Math.Ceiling(1 / Math.Min(scale, 1)); warm++)
        {
            var warmUp = new OrgSyncOptions { Source = server, Target = server, SourceDatabase = $"{name}_laas", TargetDatabase = $"{name}_warm", CreateTargetSchema = true };
            for (var pass = 0; pass < 2; pass++) await OrgSyncJob.RunAsync(warmUp, new SilentReporter(), null, CancellationToken.None); // empty, then full
            await Execute(admin, $"DROP DATABASE `{name}_warm`");
        }
        foreach (var batchSize in batchSizes)
        {
            var target = $"{name}_b{batchSize}";
            var options = new OrgSyncOptions { Source = server, Target = server, SourceDatabase = $"{name}_laas", TargetDatabase = target, BatchSize = batchSize, CreateTargetSchema = true };
            foreach (var pass in new[] { "empty", "full" })
            {
                OrgSyncRun? run = null;
                var figures = await Measure.OnceAsync(async () => run = await OrgSyncJob.RunAsync(options, new SilentReporter(), null, CancellationToken.None));
                Print($"SyncTools, batches of {batchSize:N0}, {pass} target", run!.Inserted + run.Updated, run.Read, figures);
                Console.WriteLine($"    outside the tables (schema, both sides' keys, commit) {figures.Wall.TotalSeconds - run.Tables.Sum(t => t.Duration.TotalSeconds):N2}s, " +
                                  string.Join(", ", run.Tables.Select(t => $"{t.Table} {t.Duration.TotalSeconds:N2}s ({t.Inserted:N0} new, {t.Updated:N0} changed)")));
                walls[$"{batchSize}-{pass}"] = figures.Wall.TotalSeconds;
            }

            if (batchSize == batchSizes[0]) await RawSidesAsync(server, admin, $"{name}_laas", target, walls[$"{batchSize}-empty"], walls[$"{batchSize}-full"]);
            await Execute(admin, $"DROP DATABASE `{target}`");
        }

        if (withBaseline)
        {
            foreach (var style in Enum.GetValues<RowUpsert>())
            {
                var target = $"{name}_{style}";
                await TargetSchema.ApplyAsync(server, target, new SilentReporter(), CancellationToken.None);
                foreach (var pass in new[] { "empty", "full" })
                {
                    long written = 0, read = 0;
                    var figures = await Measure.OnceAsync(async () => (read, written) = await SourceDesignAsync(server, $"{name}_laas", target, style));
                    Print($"{style}, {pass} target", written, read, figures);
                    Console.WriteLine("    speed-up: " + string.Join(", ", batchSizes.Select(b => $"batches of {b:N0} {figures.Wall.TotalSeconds / walls[$"{b}-{pass}"]:N1}x")));
                }

                await Execute(admin, $"DROP DATABASE `{target}`");
            }
        }

        await Execute(admin, $"DROP DATABASE `{name}_laas`");
    }

    private static readonly string[] TargetTables = ["institute", "user", "institute_users", "user_auth"];

    /// <summary>
    /// What the server takes from this client with the job's logic taken out, on the same rows: the target's mapped rows
    /// (read beforehand) written into an empty copy of the schema by multi-row INSERT in batches of 1,000 and by
    /// MySqlBulkCopy (LOAD DATA LOCAL INFILE); and the source's and the target's tables read whole, every value decoded.
    /// </summary>
    private static async Task RawSidesAsync(MySqlSource server, DbConnection admin, string laas, string synced, double emptyWall, double fullWall)
    {
        var rows = new Dictionary<string, List<object[]>>();
        await using (var target = await server.WithDatabase(synced).OpenAsync(CancellationToken.None))
        {
            foreach (var table in TargetTables) rows[table] = await ReadAllAsync(target, $"SELECT * FROM `{table}`");
        }

        var total = rows.Values.Sum(r => r.Count);
        var raw = $"{synced}_raw";
        await TargetSchema.ApplyAsync(server, raw, new SilentReporter(), CancellationToken.None);
        var insert = await Measure.OnceAsync(async () =>
        {
            await using var connection = await server.WithDatabase(raw).OpenAsync(CancellationToken.None);
            foreach (var table in TargetTables)
            {
                foreach (var batch in rows[table].Chunk(1_000))
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"INSERT INTO `{table}` VALUES " + string.Join(",", batch.Select(row => "(" + MySqlIdentifiers.AddPositional(command, row) + ")"));

                    await command.ExecuteNonQueryAsync();
                }
            }
        });
        Print("raw: multi-row INSERT of the mapped rows", total, total, insert);
        await Execute(admin, $"DROP DATABASE `{raw}`");

        await TargetSchema.ApplyAsync(server, raw, new SilentReporter(), CancellationToken.None);
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(Environment.GetEnvironmentVariable("SYNCTOOLS_TEST_MYSQL")!) { Database = raw, AllowLoadLocalInfile = true };
        var bulk = await Measure.OnceAsync(async () =>
        {
            await using var connection = new MySqlConnector.MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            foreach (var table in TargetTables)
            {
                var data = new System.Data.DataTable();
                foreach (var value in rows[table][0]) data.Columns.Add(new System.Data.DataColumn { DataType = value is DBNull ? typeof(string) : value.GetType() });
                foreach (var row in rows[table]) data.Rows.Add(row);
                await new MySqlConnector.MySqlBulkCopy(connection) { DestinationTableName = $"`{table}`" }.WriteToServerAsync(data);
            }
        });
        Print("raw: MySqlBulkCopy of the mapped rows", total, total, bulk);
        await Execute(admin, $"DROP DATABASE `{raw}`");

        long read = 0;
        var readOnly = await Measure.OnceAsync(async () =>
        {
            foreach (var (database, tables) in new[] { (laas, new[] { "institutes", "users", "institute_user" }), (synced, TargetTables) })
            {
                await using var connection = await server.WithDatabase(database).OpenAsync(CancellationToken.None);
                foreach (var table in tables) read += (await ReadAllAsync(connection, $"SELECT * FROM `{table}`", keep: false)).Count;
            }
        });
        Print("raw: both sides' tables read whole", 0, read, readOnly);
        var fastest = Math.Min(insert.Wall.TotalSeconds, bulk.Wall.TotalSeconds);
        Console.WriteLine($"    empty target: {fastest / emptyWall:P0} of the raw write's rate; full target: {readOnly.Wall.TotalSeconds / fullWall:P0} of the raw read's rate");
    }

    /// <summary>Every row's values, decoded; with keep = false only counted (an empty placeholder per row).</summary>
    private static async Task<List<object[]>> ReadAllAsync(DbConnection connection, string sql, bool keep = true)
    {
        var rows = new List<object[]>();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(keep ? values : []);
        }

        return rows;
    }

    private static void Print(string label, long written, long read, Measure.JobRun figures) =>
        Console.WriteLine($"{label,-44}{written,14:N0}{figures.Wall.TotalSeconds,9:N2}{read / figures.Wall.TotalSeconds,10:N0}{figures.Cpu.TotalSeconds,14:N2}{figures.OthersCpu.TotalSeconds,15:N2}{figures.MachineBusy,14:P0}{figures.PeakManagedMiB,15:N1}");

    /// <summary>The row-at-a-time baselines.</summary>
    private enum RowUpsert
    {
        /// <summary>What the source design's Prisma upsert does on MySQL: in a transaction, find the row, update or create it, read it back.</summary>
        PrismaStyleUpsert,

        /// <summary>A generous baseline: one INSERT ... ON DUPLICATE KEY UPDATE statement per row, autocommitted.</summary>
        OneStatementPerRow,
    }

    /// <summary>The source design: per table, batches of 100 by LIMIT/OFFSET, and each row upserted on its own, with the same filters and mappings.</summary>
    private static async Task<(long Read, long Written)> SourceDesignAsync(MySqlSource server, string laas, string org, RowUpsert style)
    {
        await using var source = await server.WithDatabase(laas).OpenAsync(CancellationToken.None);
        await using var target = await server.WithDatabase(org).OpenAsync(CancellationToken.None);
        const string active = "WHERE is_active = 1 AND email IS NOT NULL AND email <> '' AND password IS NOT NULL AND password <> ''";
        var tables = new (string Select, string Upsert, string Key, Func<DbDataReader, object?[]> Map)[]
        {
            ("SELECT id, name, imageUrl, created_at, updated_at FROM institutes ORDER BY id",
             "INSERT INTO institute VALUES (@p0, @p1, @p2, @p3, @p4) ON DUPLICATE KEY UPDATE name = @p1, imageUrl = @p2, createdAt = @p3, updatedAt = @p4", "instituteId = @p0",
             r => [r.GetInt64(0), r.GetString(1), r.GetValue(2), r.GetDateTime(3), r.GetDateTime(4)]),
            ($"SELECT id, first_name, last_name, email, password, created_at, updated_at FROM users {active} ORDER BY id",
             "INSERT INTO user VALUES (@p0, @p1, @p2, @p3, @p4, @p5) ON DUPLICATE KEY UPDATE name = @p1, email = @p2, password = @p3, createdAt = @p4, updatedAt = @p5", "userId = @p0",
             r => [r.GetInt64(0), OrgMappings.Name(r.GetString(1), r.GetString(2)), r.GetString(3), r.GetString(4), r.GetDateTime(5), r.GetDateTime(6)]),
            ("SELECT l.institute_id, l.user_id, l.user_type, l.status, l.created_at, l.updated_at FROM institute_user l JOIN users u ON u.id = l.user_id AND u.is_active = 1 ORDER BY l.id",
             "INSERT INTO institute_users VALUES (@p0, @p1, @p2, @p3, @p4, @p5) ON DUPLICATE KEY UPDATE role = @p2, isActive = @p3, createdAt = @p4, updatedAt = @p5", "instituteId = @p0 AND userId = @p1",
             r => [r.GetInt64(0), r.GetInt64(1), OrgMappings.Role(r.GetString(2)), OrgMappings.IsActive(r.GetString(3)), r.GetDateTime(4), r.GetDateTime(5)]),
            ($"SELECT id, password, created_at, updated_at FROM users {active} ORDER BY id",
             "INSERT INTO user_auth VALUES (@p0, @p1, @p2, @p3) ON DUPLICATE KEY UPDATE password = @p1, createdAt = @p2, updatedAt = @p3", "userId = @p0",
             r => [r.GetInt64(0), r.GetString(1), r.GetDateTime(2), r.GetDateTime(3)]),
        };
        long read = 0, written = 0;
        foreach (var (select, upsert, key, map) in tables)
        {
            for (var offset = 0; ; offset += 100)
            {
                var rows = new List<object?[]>();
                await using (var command = source.CreateCommand())
                {
                    command.CommandText = $"{select} LIMIT 100 OFFSET {offset}";
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync()) rows.Add(map(reader));
                }

                var table = upsert.Split(' ')[2];
                foreach (var row in rows)
                {
                    if (style == RowUpsert.OneStatementPerRow)
                    {
                        written += await Run(upsert, row) > 0 ? 1 : 0;
                        continue;
                    }

                    // Prisma on MySQL: BEGIN; SELECT the key; UPDATE (all fields) or INSERT; SELECT the row back; COMMIT.
                    await Run("START TRANSACTION", row);
                    var exists = await Run($"SELECT * FROM {table} WHERE {key} FOR UPDATE", row) > 0;
                    await Run(exists ? upsert[upsert.IndexOf("ON DUPLICATE", StringComparison.Ordinal)..].Replace("ON DUPLICATE KEY UPDATE", $"UPDATE {table} SET") + $" WHERE {key}" : upsert.Split(" ON ")[0], row);
                    await Run($"SELECT * FROM {table} WHERE {key}", row);
                    await Run("COMMIT", row);
                    written++;
                }

                read += rows.Count;
                if (rows.Count < 100) break;
            }
        }

        return (read, written);

        // Runs one statement with the row's values as @p0...; returns the rows it affected or read.
        async Task<int> Run(string sql, object?[] row)
        {
            await using var command = target.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < row.Length; i++) MySqlIdentifiers.Add(command, $"@p{i}", row[i]);
            if (!sql.StartsWith("SELECT", StringComparison.Ordinal)) return await command.ExecuteNonQueryAsync();
            await using var reader = await command.ExecuteReaderAsync();
            var count = 0;
            while (await reader.ReadAsync()) count++;
            return count;
        }
    }

    private static async Task Execute(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }
}
