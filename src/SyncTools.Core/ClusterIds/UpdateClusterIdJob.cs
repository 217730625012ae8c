using System.Collections;
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
/// Inserts into MySQL every MongoDB cluster id it lacks: the MySQL column and the MongoDB _ids (projection on _id only,
/// converted by <see cref="ClusterIdText"/>) are read at the same time. Both sides go to temporary files,
/// spread by the ids' hash (<see cref="SpoolPartitions{T}"/>), and each file is compared on its own, so memory holds a share
/// of the ids, not all of them (and a bit per MongoDB id, for those missing). The missing ones are inserted in MongoDB's
/// order, read again from a file of it, in multi-row batches that skip only duplicate keys, so a re-run or a
/// concurrent run inserts nothing twice; ids in the order they were made insert at the end of the column's index.
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

        using var mysqlIds = IdPartitions();
        using var mongoIds = IdPartitions();
        using var mongoOrder = new Spool<SpooledText>(SpoolName);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (_, (source, read, skipped)) = await BothAsync(
            Task.Run(() => Catalogued(options, mysqlTarget, () => ReadExistingAsync(connection, column, mysqlIds, reporter, stop.Token))),
            ReadMongoAsync(options, mongoIds, mongoOrder, column, reporter, stop.Token),
            stop).ConfigureAwait(false);
        var missing = FindMissing(mysqlIds, mongoIds, mongoOrder.Count, reporter);
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

        var preview = string.Join(", ", MissingInOrder(mongoOrder, missing).Take(5)) + (missing.Count > 5 ? ", ..." : "");
        if (missing.Count > 0 && !reporter.ShouldProcess(mysqlTarget, $"Insert {missing.Count:N0} cluster ids ({preview})"))
        {
            return null;
        }

        var count = await Catalogued(options, mysqlTarget, () => InsertAsync(connection, column, MissingInOrder(mongoOrder, missing), missing.Count, options.BatchSize, reporter, inserted, cancellationToken)).ConfigureAwait(false);
        if (count < missing.Count)
        {
            reporter.Verbose($"{missing.Count - count:N0} of the missing ids were inserted meanwhile by someone else.");
        }

        reporter.Verbose($"{source} -> {mysqlTarget}: {read:N0} ids read, {count:N0} inserted, {skipped:N0} skipped.");
        return Result(count);
    }

    private static SpoolPartitions<SpooledText> IdPartitions() => new(SpoolName, static id => IdComparer.GetHashCode(id.Value));

    /// <summary>Both reads to their ends; the first to fail stops the other, and its error is the one thrown.</summary>
    private static async Task<(T1, T2)> BothAsync<T1, T2>(Task<T1> first, Task<T2> second, CancellationTokenSource stop)
    {
        var failed = await Task.WhenAny(first, second).ConfigureAwait(false);
        if (!failed.IsCompletedSuccessfully)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(first, second).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await failed.ConfigureAwait(false);
        }

        return (await first.ConfigureAwait(false), await second.ConfigureAwait(false));
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

    /// <returns>How many ids the column holds.</returns>
    private static async Task<long> ReadExistingAsync(DbConnection connection, MySqlColumn column, SpoolPartitions<SpooledText> partitions, IJobReporter reporter, CancellationToken cancellationToken)
    {
        long read = 0;
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {column.QuotedColumn} FROM {column.QuotedTable} WHERE {column.QuotedColumn} IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Write(new SpooledText(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!, read));
            if (++read % 50_000 == 0) reporter.Progress(new JobProgress($"Reading {column.QuotedTable}", read, null, $"{read:N0} ids"));
        }

        return read;
    }

    private static async Task<(string Source, long Read, long Skipped)> ReadMongoAsync(
        ClusterIdOptions options, SpoolPartitions<SpooledText> partitions, Spool<SpooledText> mongoOrder, MySqlColumn column, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var databaseName = options.MongoDatabase ?? options.Mongo.DatabaseName
            ?? throw new SyncToolsException("Name the MongoDB database: the connection string has none.", JobErrorCategory.InvalidArgument, "MongoDatabaseMissing");
        var source = $"{databaseName}.{options.Collection}";
        reporter.Progress(new JobProgress($"Reading {source}", 0, null, "0 ids"));
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

                // Numbered by its place among the ids kept, in the file of MongoDB's order.
                partitions.Write(new SpooledText(id, mongoOrder.Count));
                mongoOrder.Write(new SpooledText(id, mongoOrder.Count));
                if (read % 10_000 == 0) reporter.Progress(new JobProgress($"Reading {source}", read, Math.Max(total, read), $"{read:N0} ids"));
            }

            return (source, read, skipped);
        }
        catch (Exception e) when (e is not OperationCanceledException and not SyncToolsException)
        {
            throw options.Mongo.Translate(e, source);
        }
    }

    /// <param name="InMongoOrder">Per MongoDB id kept, in order: whether it is missing.</param>
    private sealed record Missing(BitArray InMongoOrder, int Count);

    /// <summary>Marks each MongoDB id its file's MySQL ids lack, each text once (5 and "5" are one id: the first read).</summary>
    private static Missing FindMissing(SpoolPartitions<SpooledText> mysqlIds, SpoolPartitions<SpooledText> mongoIds, long mongoCount, IJobReporter reporter)
    {
        var inMongoOrder = new BitArray(checked((int)mongoCount));
        var count = 0;
        var ids = new HashSet<string>(IdComparer);
        for (var p = 0; p < SpoolPartitions<SpooledText>.Count; p++)
        {
            ids.Clear();
            foreach (var (id, _) in mysqlIds.Spools[p].Read()) ids.Add(id);
            foreach (var (id, number) in mongoIds.Spools[p].Read())
            {
                if (!ids.Add(id)) continue;
                inMongoOrder[(int)number] = true;
                count++;
            }

            reporter.Progress(new JobProgress("Comparing ids", p + 1, SpoolPartitions<SpooledText>.Count, $"{count:N0} missing"));
        }

        return new Missing(inMongoOrder, count);
    }

    private static IEnumerable<string> MissingInOrder(Spool<SpooledText> mongoOrder, Missing missing) =>
        mongoOrder.Read().Where(id => missing.InMongoOrder[(int)id.Number]).Select(id => id.Value);

    private static async Task<long> InsertAsync(DbConnection connection, MySqlColumn column, IEnumerable<string> missing, long total, int batchSize,
        IJobReporter reporter, Action<string>? inserted, CancellationToken cancellationToken)
    {
        long count = 0, done = 0;
        foreach (var batch in missing.Chunk(batchSize))
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
            reporter.Progress(new JobProgress($"Inserting into {column.QuotedTable}", done, total, $"{done:N0} of {total:N0} ids"));
        }

        return count;
    }
}
