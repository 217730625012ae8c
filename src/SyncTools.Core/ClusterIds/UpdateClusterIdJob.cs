using System.Data.Common;
using System.Diagnostics;
using System.Text;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using MongoDB.Bson;
using MongoDB.Driver;

namespace SyncTools.Core.ClusterIds;

/// <summary>
/// Inserts into MySQL every MongoDB cluster id it lacks: the MySQL column is read first, then the MongoDB _ids are
/// streamed (projection on _id only) and converted by <see cref="ClusterIdText"/>. Both sides go to temporary files,
/// spread by the ids' hash (<see cref="SpoolPartitions{T}"/>), and each file is compared on its own, so memory holds a share
/// of the ids, not all of them. The missing ones, spooled too, are inserted in multi-row batches that skip only
/// duplicate keys, so a re-run or a concurrent run inserts nothing twice.
/// </summary>
public static class UpdateClusterIdJob
{
    public const string Name = "Update-ClusterId";

    /// <summary>Its temporary files are synctools-clusterids-*.tmp.</summary>
    public const string SpoolName = "clusterids";

    /// <summary>MySQL compares the ids as text in a case-insensitive collation (as the column's usually is).</summary>
    private static readonly StringComparer IdComparer = StringComparer.OrdinalIgnoreCase;

    /// <param name="inserted">Receives each id as it is sent, for -PassThru; may be null.</param>
    /// <returns>The run, or null when the write was declined (-WhatIf, or "no" at -Confirm).</returns>
    public static async Task<ClusterIdResult?> RunAsync(ClusterIdOptions options, IJobReporter reporter, Action<string>? inserted, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        if (options.BatchSize < 1) throw new SyncToolsException("The batch size must be at least 1.", JobErrorCategory.InvalidArgument, "BatchSizeInvalid", options.BatchSize);
        if (string.IsNullOrEmpty(options.MySql.Database))
        {
            throw new SyncToolsException("Name the MySQL database: -Database, or Database= in the connection string.", JobErrorCategory.InvalidArgument, "MySqlDatabaseMissing");
        }

        var mysqlTarget = $"{options.MySql.Database}.{options.Table}.{options.Column}";
        await using var connection = await options.MySql.OpenAsync(cancellationToken).ConfigureAwait(false);
        var column = await Catalogued(options, mysqlTarget, () => MySqlIdentifiers.RequireColumnAsync(connection, options.MySql.Database, options.Table, options.Column, cancellationToken)).ConfigureAwait(false);
        if (!column.IsUniqueKey)
        {
            reporter.Warning($"{mysqlTarget} has no unique key of its own: a re-run inserts nothing twice, but two runs at the very same time could. Add a UNIQUE index on it.");
        }

        using var partitions = new SpoolPartitions<SpooledText>(SpoolName, static id => IdComparer.GetHashCode(id.Value));
        var held = await Catalogued(options, mysqlTarget, () => ReadExistingAsync(connection, column, partitions, reporter, cancellationToken)).ConfigureAwait(false);
        var (source, read, skipped) = await ReadMongoAsync(options, partitions, column, reporter, cancellationToken).ConfigureAwait(false);
        using var missing = new Spool<SpooledText>(SpoolName);
        var firstMissing = FindMissing(partitions, held, missing, reporter);
        ClusterIdResult Result(long insertedCount) => new()
        {
            RunId = runId,
            Source = source,
            Target = mysqlTarget,
            SourceIds = read,
            AlreadyPresent = read - skipped - insertedCount,
            Inserted = insertedCount,
            Skipped = skipped,
            Duration = clock.Elapsed,
        };

        var preview = string.Join(", ", firstMissing) + (missing.Count > firstMissing.Count ? ", ..." : "");
        if (missing.Count > 0 && !reporter.ShouldProcess(mysqlTarget, $"Insert {missing.Count:N0} cluster ids ({preview})"))
        {
            return null;
        }

        var count = await Catalogued(options, mysqlTarget, () => InsertAsync(connection, column, missing, options.BatchSize, reporter, inserted, cancellationToken)).ConfigureAwait(false);
        if (count < missing.Count)
        {
            reporter.Verbose($"{missing.Count - count:N0} of the missing ids were inserted meanwhile by someone else.");
        }

        reporter.Verbose($"{source} -> {mysqlTarget}: {read:N0} ids read, {count:N0} inserted, {skipped:N0} skipped.");
        return Result(count);
    }

    private static async Task<T> Catalogued<T>(ClusterIdOptions options, string target, Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw options.MySql.Translate(e, target);
        }
    }

    /// <returns>How many ids each partition got: the MongoDB ids come after them.</returns>
    private static async Task<long[]> ReadExistingAsync(DbConnection connection, MySqlColumn column, SpoolPartitions<SpooledText> partitions, IJobReporter reporter, CancellationToken cancellationToken)
    {
        long read = 0;
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {column.QuotedColumn} FROM {column.QuotedTable} WHERE {column.QuotedColumn} IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Write(new SpooledText(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!));
            if (++read % 50_000 == 0) reporter.Progress(new JobProgress($"Reading {column.QuotedTable}", read, null, $"{read:N0} ids"));
        }

        return partitions.Spools.Select(spool => spool.Count).ToArray();
    }

    private static async Task<(string Source, long Read, long Skipped)> ReadMongoAsync(
        ClusterIdOptions options, SpoolPartitions<SpooledText> partitions, MySqlColumn column, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var databaseName = options.MongoDatabase ?? options.Mongo.DatabaseName
            ?? throw new SyncToolsException("Name the MongoDB database: the connection string has none.", JobErrorCategory.InvalidArgument, "MongoDatabaseMissing");
        var source = $"{databaseName}.{options.Collection}";
        try
        {
            var database = options.Mongo.Client.GetDatabase(databaseName);
            // A mistyped database or collection reads as empty: say so rather than report 0 ids as a healthy run.
            if (!await MongoEndpoint.CollectionExistsAsync(database, options.Collection, cancellationToken).ConfigureAwait(false))
            {
                throw new SyncToolsException($"MongoDB database '{databaseName}' has no collection '{options.Collection}': check -MongoDatabase and -Collection.", JobErrorCategory.ObjectNotFound, "MongoCollectionNotFound", source);
            }

            var collection = database.GetCollection<BsonDocument>(options.Collection);
            var total = await collection.EstimatedDocumentCountAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            long read = 0, skipped = 0;
            // Raw documents: only the _id is decoded, from the reply's own bytes.
            var cursor = collection.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 10_000 }).Project<RawBsonDocument>(new BsonDocument("_id", 1)).ToAsyncEnumerable();
            await foreach (var raw in cursor.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                using var document = raw;
                read++;
                var id = ClusterIdText.From(document.GetValue("_id", BsonNull.Value));
                if (id is null || id.Length > column.MaxLength)
                {
                    skipped++;
                    reporter.RecordError(new JobRecordError(
                        id is null ? $"{source}: a document's _id ({document.GetValue("_id", BsonNull.Value)}) has no text form for MySQL: skipped."
                                   : $"{source}: the id '{id}' is longer than {column.QuotedColumn} allows ({column.MaxLength}): skipped.",
                        JobErrorCategory.InvalidData, "ClusterIdSkipped", document.GetValue("_id", BsonNull.Value).ToString()));
                    continue;
                }

                partitions.Write(new SpooledText(id));
                if (read % 10_000 == 0) reporter.Progress(new JobProgress($"Reading {source}", read, Math.Max(total, read), $"{read:N0} ids"));
            }

            return (source, read, skipped);
        }
        catch (Exception e) when (e is not OperationCanceledException and not SyncToolsException)
        {
            throw options.Mongo.Translate(e, source);
        }
    }

    /// <summary>Spools each MongoDB id its partition's MySQL ids lack, each text once (5 and "5" are one id).</summary>
    /// <param name="held">How many of each partition's ids are MySQL's: those come first.</param>
    /// <returns>The first few missing in ordinal order, to name when asking.</returns>
    private static SortedSet<string> FindMissing(SpoolPartitions<SpooledText> partitions, long[] held, Spool<SpooledText> missing, IJobReporter reporter)
    {
        var first = new SortedSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(IdComparer);
        for (var p = 0; p < partitions.Spools.Count; p++)
        {
            ids.Clear();
            long n = 0;
            foreach (var text in partitions.Spools[p].Read())
            {
                var id = text.Value;
                var inMySql = n++ < held[p];
                if (!ids.Add(id) || inMySql) continue;
                missing.Write(new SpooledText(id));
                if (first.Add(id) && first.Count > 5) first.Remove(first.Max!);
            }

            reporter.Progress(new JobProgress("Comparing ids", p + 1, partitions.Spools.Count, $"{missing.Count:N0} missing"));
        }

        return first;
    }

    private static async Task<long> InsertAsync(DbConnection connection, MySqlColumn column, Spool<SpooledText> missing, int batchSize,
        IJobReporter reporter, Action<string>? inserted, CancellationToken cancellationToken)
    {
        long count = 0, done = 0;
        foreach (var batch in missing.Read().Select(text => text.Value).Chunk(batchSize))
        {
            await using var command = connection.CreateCommand();
            var sql = new StringBuilder($"INSERT INTO {column.QuotedTable} ({column.QuotedColumn}) ");
            if (column.IsUniqueKey)
            {
                // Only a duplicate key is passed over; any other problem still fails (INSERT IGNORE would hide it).
                sql.Append("VALUES ").AppendJoin(",", batch.Select(id => $"({MySqlIdentifiers.AddPositional(command, [id])})"));
                sql.Append($" ON DUPLICATE KEY UPDATE {column.QuotedColumn} = {column.QuotedColumn}");
            }
            else
            {
                sql.Append("SELECT v.id FROM (").AppendJoin(" UNION ALL ", batch.Select(id => $"SELECT {MySqlIdentifiers.AddPositional(command, [id])} AS id"));
                sql.Append($") AS v WHERE NOT EXISTS (SELECT 1 FROM {column.QuotedTable} t WHERE t.{column.QuotedColumn} = v.id)");
            }

            command.CommandText = sql.ToString();
            count += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            foreach (var id in batch) inserted?.Invoke(id);
            done += batch.Length;
            reporter.Progress(new JobProgress($"Inserting into {column.QuotedTable}", done, missing.Count, $"{done:N0} of {missing.Count:N0} ids"));
        }

        return count;
    }
}
