using System.Text;
using System.Runtime.CompilerServices;
using Npgsql;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;
using MongoDB.Bson;

namespace SyncTools.Core.FullSync;

/// <summary>One page of the source: its rows as documents (_id = the key), and the key (as text) to read the next page after.</summary>
/// <param name="Documents">Each row as the bytes of its BSON document, written as it was read (no document graph in between).</param>
public sealed record SourcePage(IReadOnlyList<RawBsonDocument> Documents, string LastKey);

/// <summary>
/// Reads a PostgreSQL table page by page in key order (keyset: <c>WHERE key &gt; last ORDER BY key LIMIT n</c>, never
/// OFFSET), each row a BSON document with <c>_id</c> = the key and every column by name, mapped by
/// <see cref="PgBsonMapping"/>. Table and key are checked in the catalogue; the optional filter is the user's own SQL.
/// The last key travels as PostgreSQL's own text form, so a page boundary is exact for every key type.
/// </summary>
public sealed class KeysetPager
{
    private readonly IReadOnlyList<PgColumnMapping> _columns;
    private readonly (PgColumnMapping Column, byte[] Name, int Ordinal)[] _fields;
    private readonly IReadOnlyList<PgColumn> _source;
    private readonly int _keyIndex;
    private readonly string _quotedKey;
    private readonly string _keyType;
    private readonly string _from;
    private readonly string? _where;
    private readonly int _pageSize;

    private KeysetPager(IReadOnlyList<PgColumn> source, PgColumn key, string from, string? where, int pageSize)
    {
        _source = source;
        _columns = source.Select(PgBsonMapping.For).ToList();
        var columns = _columns;
        _keyIndex = columns.ToList().FindIndex(c => c.Name == key.Name);
        // _id (the key), then every column in table order; a column named _id is the key's copy only.
        _fields = [(_columns[_keyIndex], "_id"u8.ToArray(), _keyIndex), .. _columns.Select((c, i) => (c, c.Utf8Name, i)).Where(f => f.c.Name != "_id")];
        _quotedKey = PgIdentifiers.Quote(key.Name);
        _keyType = key.SqlType;
        _from = from;
        _where = where;
        _pageSize = pageSize;
    }

    /// <summary>The key column's name.</summary>
    public string Key => _columns[_keyIndex].Name;

    /// <summary>The table's columns in order, as the catalogue described them when the pager was made.</summary>
    public IReadOnlyList<PgColumn> Columns => _source;

    /// <summary>"schema"."table", quoted.</summary>
    public string Table => _from;

    /// <summary>Whether a filter (-Where) picks the rows.</summary>
    public bool Filtered => _where is not null;

    /// <param name="key">The column to page by; null for the table's own single-column primary key.</param>
    /// <param name="where">A filter in the user's own SQL, or null.</param>
    /// <exception cref="SyncToolsException">No such table or key column, a key that is not unique and NOT NULL, or a bad page size.</exception>
    public static async Task<KeysetPager> CreateAsync(NpgsqlConnection connection, string schema, string table, string? key, string? where, int pageSize, CancellationToken cancellationToken)
    {
        if (pageSize < 1) throw new SyncToolsException("The page size must be at least 1.", JobErrorCategory.InvalidArgument, "PageSizeInvalid", pageSize);
        CheckUtf8(connection);
        var from = $"{PgIdentifiers.Quote(schema)}.{PgIdentifiers.Quote(table)}";
        var columns = await PgIdentifiers.ColumnsAsync(connection, schema, table, cancellationToken).ConfigureAwait(false);
        key ??= await PgIdentifiers.SingleColumnPrimaryKeyAsync(connection, schema, table, cancellationToken).ConfigureAwait(false)
            ?? throw new SyncToolsException($"{from} has no single-column primary key: name the key column to page by (-PrimaryKey).", JobErrorCategory.InvalidArgument, "PgPrimaryKeyMissing", $"{schema}.{table}");
        var keyColumn = columns.FirstOrDefault(c => c.Name == key)
            ?? throw new SyncToolsException($"{from} has no column {PgIdentifiers.Quote(key)} to page by.", JobErrorCategory.ObjectNotFound, "PgKeyNotFound", $"{schema}.{table}.{key}");
        if (!keyColumn.IsUniqueKey)
        {
            throw new SyncToolsException(
                $"{from}.{PgIdentifiers.Quote(key)} cannot be the key: paging by it needs it NOT NULL with a unique index of its own, or rows would be skipped or doubled.",
                JobErrorCategory.InvalidArgument, "PgKeyNotUnique", $"{schema}.{table}.{key}");
        }

        if (key != "_id" && columns.Any(c => c.Name == "_id"))
        {
            throw new SyncToolsException(
                $"{from} has a column \"_id\" that is not the key {PgIdentifiers.Quote(key)}: its documents' _id is the key, so the column would be lost. Page by \"_id\" (-PrimaryKey _id) or select the table through a view that renames it.",
                JobErrorCategory.InvalidArgument, "PgIdColumnConflict", $"{schema}.{table}._id");
        }

        if (!string.IsNullOrWhiteSpace(where)) await CheckFilterAsync(connection, from, where, cancellationToken).ConfigureAwait(false);
        return new KeysetPager(columns, keyColumn, from, string.IsNullOrWhiteSpace(where) ? null : where, pageSize);
    }

    /// <summary>
    /// Text is copied as the bytes the server sends, and MongoDB's strings are UTF-8: the connection must ask for UTF-8
    /// (as it does unless its connection string says otherwise), so that PostgreSQL converts from the database's own
    /// encoding and refuses bytes that are not valid in it.
    /// </summary>
    private static void CheckUtf8(NpgsqlConnection connection)
    {
        static bool IsUtf8(string? name) => name is not null && name.Replace("-", "").Equals("UTF8", StringComparison.OrdinalIgnoreCase);
        var client = connection.PostgresParameters.GetValueOrDefault("client_encoding");
        var driver = new NpgsqlConnectionStringBuilder(connection.ConnectionString).Encoding;
        if (IsUtf8(client) && IsUtf8(driver)) return;
        throw new SyncToolsException(
            $"The connection exchanges text in {(IsUtf8(client) ? driver : client)}: the copy reads text as UTF-8, which MongoDB's strings are. Leave Client Encoding and Encoding out of the connection string; PostgreSQL then converts from the database's own encoding.",
            JobErrorCategory.InvalidArgument, "PgClientEncodingNotUtf8", IsUtf8(client) ? driver : client);
    }

    /// <summary>The filter, planned against the table once, so that a mistake in it is said as one before anything is copied.</summary>
    private static async Task CheckFilterAsync(NpgsqlConnection connection, string from, string where, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT 1 FROM {from} AS source WHERE ({where}) LIMIT 0", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("42", StringComparison.Ordinal) || e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            throw new SyncToolsException($"The filter (-Where) cannot run against {from}: {e.MessageText}. Check its column names and SQL.", JobErrorCategory.InvalidArgument, "PgFilterInvalid", where, e);
        }
    }

    /// <summary>The rows the filter selects now.</summary>
    public async Task<long> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {_from}{(_where is null ? "" : $" WHERE ({_where})")}", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The pages after <paramref name="after"/> (null: from the start), until the table ends.</summary>
    public async IAsyncEnumerable<SourcePage> ReadAsync(NpgsqlConnection connection, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
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
    public async Task<SourcePage?> ReadPageAsync(NpgsqlConnection connection, string? after, CancellationToken cancellationToken)
    {
        var conditions = new[] { _where is null ? null : $"({_where})", after is null ? null : $"source.{_quotedKey} > CAST($1 AS {_keyType})" }.OfType<string>().ToList();
        // Qualified, the key in ORDER BY is the table's column, not the output column of the same name.
        var sql = $"SELECT {string.Join(", ", _columns.Select(c => c.Projection))}, source.{_quotedKey}::text FROM {_from} AS source"
                  + (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : "")
                  + $" ORDER BY source.{_quotedKey} LIMIT {_pageSize}";
        await using var command = new NpgsqlCommand(sql, connection);
        if (after is not null) command.Parameters.Add(new() { Value = after });
        var rows = new RowWriter(this);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(reader);
        return rows.LastKey is { } last ? new SourcePage(rows.Documents, last) : null;
    }

    /// <summary>
    /// Rows given as PostgreSQL's text form of each column (null for NULL), in table column order, as the documents a
    /// copy would give them: PostgreSQL itself turns each text back into the column's type, then the copy's own
    /// projection and mapping apply. This is how changes decoded from the WAL become documents. Selected: whether the
    /// row passes the pager's filter (always, without one).
    /// </summary>
    public async Task<IReadOnlyList<(RawBsonDocument Document, bool Selected)>> DocumentsFromTextAsync(NpgsqlConnection connection, IReadOnlyList<string?[]> rows, CancellationToken cancellationToken)
    {
        // A delete carries only the key, and a NOT NULL domain refuses CAST(NULL AS domain): a domain column's NULL stays
        // NULL, uncast (the CASE is then of the domain's base type); every other column is cast as it is.
        var typed = string.Join(", ", _source.Select((c, i) => (c.TypeCategory == 'd' && !c.IsArray
            ? $"CASE WHEN r.c{i} IS NULL THEN NULL ELSE CAST(r.c{i} AS {c.SqlType}) END"
            : $"CAST(r.c{i} AS {c.SqlType})") + $" AS {PgIdentifiers.Quote(c.Name)}"));
        var sql = $"SELECT {string.Join(", ", _columns.Select(c => c.Projection))}, source.{_quotedKey}::text, {(_where is null ? "true" : $"COALESCE(({_where}), false)")} FROM ("
                  + $"SELECT {typed}, r.o AS \"synctools ordinal\" FROM unnest({string.Join(", ", _source.Select((_, i) => $"${i + 1}::text[]"))}) WITH ORDINALITY"
                  + $" AS r({string.Join(", ", _source.Select((_, i) => $"c{i}"))}, o)) AS source ORDER BY source.\"synctools ordinal\"";
        await using var command = new NpgsqlCommand(sql, connection);
        for (var i = 0; i < _source.Count; i++) command.Parameters.Add(new() { Value = rows.Select(row => row[i]).ToArray() });
        var selected = new List<bool>(rows.Count);
        var written = new RowWriter(this);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            written.Add(reader);
            selected.Add(reader.GetBoolean(_columns.Count + 1));
        }

        return written.Documents.Zip(selected).ToList();
    }

    /// <summary>Rows as documents, each written by one writer into one reused buffer, then copied out; and the last row's key text.</summary>
    private sealed class RowWriter(KeysetPager pager)
    {
        private readonly BsonRowWriter _writer = new();
        private byte[] _key = new byte[64];
        private int _keyLength = -1;

        public List<RawBsonDocument> Documents { get; } = [];

        /// <summary>The last row's key in PostgreSQL's text form; null before any row.</summary>
        public string? LastKey => _keyLength < 0 ? null : Encoding.UTF8.GetString(_key, 0, _keyLength);

        public void Add(NpgsqlDataReader reader)
        {
            _writer.Clear();
            pager.WriteRow(_writer, reader);
            Documents.Add(new RawBsonDocument(_writer.Written.ToArray()));
            _keyLength = BsonRowWriter.CopyColumn(reader, pager._columns.Count, ref _key);
        }
    }

    /// <summary>The current row as a document: _id (the key), then every column in table order; a column named _id is the key's copy only.</summary>
    private void WriteRow(BsonRowWriter writer, NpgsqlDataReader reader)
    {
        writer.StartDocument();
        foreach (var (column, name, i) in _fields)
        {
            writer.Name(name);
            try
            {
                if (reader.IsDBNull(i)) writer.Null();
                else column.Write(writer, reader, i);
            }
            catch (BsonRowWriter.DocumentTooLargeException e)
            {
                throw RowError($"as a document it passes MongoDB's limit of {BsonRowWriter.MaxDocumentBytes:N0} bytes at the column {PgIdentifiers.Quote(column.Name)}.", "PgRowTooLarge", column.Name, e);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidCastException or OverflowException or System.Text.Json.JsonException)
            {
                throw RowError($"the column {PgIdentifiers.Quote(column.Name)} has no BSON form here: {e.Message}", "PgValueNotMappable", column.Name, e);
            }
        }

        writer.End();

        SyncToolsException RowError(string what, string errorId, string column, Exception inner)
        {
            var key = reader.GetString(_columns.Count);
            return new SyncToolsException($"{_from} row {_quotedKey} = {key}: {what}", JobErrorCategory.InvalidData, errorId, $"{_from}.{column}[{key}]", inner);
        }
    }

    /// <summary>
    /// The rows of the keys given (in PostgreSQL's text form) as they are now, by key text: each column's text form in
    /// table column order (null for NULL), as <see cref="DocumentsFromTextAsync"/> takes them. A key without a row is left out.
    /// </summary>
    public async Task<Dictionary<string, string?[]>> CurrentRowsAsync(NpgsqlConnection connection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var sql = $"SELECT source.{_quotedKey}::text, {string.Join(", ", _source.Select(c => $"source.{PgIdentifiers.Quote(c.Name)}::text"))} FROM {_from} AS source"
                  + $" WHERE source.{_quotedKey} = ANY(CAST($1 AS {_keyType}[]))";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = keys.ToArray() });
        var rows = new Dictionary<string, string?[]>(keys.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows[reader.GetString(0)] = Enumerable.Range(1, _source.Count).Select(i => reader.IsDBNull(i) ? null : reader.GetString(i)).ToArray();
        }

        return rows;
    }

    /// <summary>Keys in PostgreSQL's text form as the _id values the copy gives them (PostgreSQL parses them).</summary>
    public async Task<IReadOnlyList<BsonValue>> IdsAsync(NpgsqlConnection connection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var key = _columns[_keyIndex];
        await using var command = new NpgsqlCommand($"SELECT {key.Projection} FROM (SELECT CAST(k AS {_keyType}) AS {_quotedKey} FROM unnest($1::text[]) AS k) AS keys", connection);
        command.Parameters.Add(new() { Value = keys.ToArray() });
        var ids = new List<BsonValue>(keys.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(key.ToBson(reader, 0));
        return ids;
    }
}
