using System.Runtime.CompilerServices;
using Npgsql;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;
using SyncTools.Mongo.Bson;

namespace SyncTools.Core.FullSync;

/// <summary>One page of the source: its rows as documents (_id = the key), and the key to read the next page after.</summary>
public sealed record SourcePage(IReadOnlyList<BsonDocument> Documents, object LastKey);

/// <summary>
/// Reads a PostgreSQL table page by page in key order (keyset: <c>WHERE key &gt; last ORDER BY key LIMIT n</c>, never
/// OFFSET), each row a BSON document with <c>_id</c> = the key and every column by name, mapped by
/// <see cref="PgBsonMapping"/>. Table and key are checked in the catalogue; the optional filter is the user's own SQL.
/// </summary>
public sealed class KeysetPager
{
    private readonly IReadOnlyList<PgColumnMapping> _columns;
    private readonly string _sql;
    private readonly string _firstSql;

    private KeysetPager(IReadOnlyList<PgColumnMapping> columns, string key, string from, string? where, int pageSize)
    {
        _columns = columns;
        var select = $"SELECT {string.Join(", ", columns.Select(c => c.Projection))}, {key} FROM {from}";
        var filter = where is null ? "" : $"({where}) AND ";
        _firstSql = $"{select}{(where is null ? "" : $" WHERE ({where})")} ORDER BY {key} LIMIT {pageSize}";
        _sql = $"{select} WHERE {filter}{key} > $1 ORDER BY {key} LIMIT {pageSize}";
    }

    /// <param name="key">The column to page by; null for the table's own single-column primary key.</param>
    /// <param name="where">A filter in the user's own SQL, or null.</param>
    /// <exception cref="SyncToolsException">No such table or key column, no single-column primary key, or a bad page size.</exception>
    public static async Task<KeysetPager> CreateAsync(NpgsqlConnection connection, string schema, string table, string? key, string? where, int pageSize, CancellationToken cancellationToken)
    {
        if (pageSize < 1) throw new SyncToolsException("The page size must be at least 1.", JobErrorCategory.InvalidArgument, "PageSizeInvalid", pageSize);
        var from = $"{PgIdentifiers.Quote(schema)}.{PgIdentifiers.Quote(table)}";
        var columns = await PgIdentifiers.ColumnsAsync(connection, schema, table, cancellationToken).ConfigureAwait(false);
        key ??= await PgIdentifiers.SingleColumnPrimaryKeyAsync(connection, schema, table, cancellationToken).ConfigureAwait(false)
            ?? throw new SyncToolsException($"{from} has no single-column primary key: name the key column to page by (-PrimaryKey).", JobErrorCategory.InvalidArgument, "PgPrimaryKeyMissing", $"{schema}.{table}");
        if (columns.All(c => c.Name != key))
        {
            throw new SyncToolsException($"{from} has no column {PgIdentifiers.Quote(key)} to page by.", JobErrorCategory.ObjectNotFound, "PgKeyNotFound", $"{schema}.{table}.{key}");
        }

        return new KeysetPager(columns.Select(PgBsonMapping.For).ToList(), PgIdentifiers.Quote(key), from, string.IsNullOrWhiteSpace(where) ? null : where, pageSize);
    }

    /// <summary>The pages after <paramref name="after"/> (null: from the start), until the table ends.</summary>
    public async IAsyncEnumerable<SourcePage> ReadAsync(NpgsqlConnection connection, object? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await ReadPageAsync(connection, after, cancellationToken).ConfigureAwait(false);
            if (page is null) yield break;
            yield return page;
            after = page.LastKey;
        }
    }

    /// <summary>The page after <paramref name="after"/> (null: the first), or null past the end.</summary>
    public async Task<SourcePage?> ReadPageAsync(NpgsqlConnection connection, object? after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(after is null ? _firstSql : _sql, connection);
        if (after is not null) command.Parameters.Add(new() { Value = after });
        var documents = new List<BsonDocument>();
        object? last = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            last = reader.GetValue(_columns.Count);
            var document = new BsonDocument { { "_id", BsonMapper.ToBson(last) } };
            for (var i = 0; i < _columns.Count; i++)
            {
                document[_columns[i].Name] = reader.IsDBNull(i) ? BsonNull.Value : _columns[i].ToBson(reader.GetValue(i));
            }

            documents.Add(document);
        }

        return last is null ? null : new SourcePage(documents, last);
    }
}
