using System.Data.Common;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.MySql;

/// <summary>A column found in the catalogue: its quoted names, its length limit, and whether it alone is a unique key.</summary>
public sealed record MySqlColumn(string QuotedTable, string QuotedColumn, long? MaxLength, bool IsUniqueKey);

public static class MySqlIdentifiers
{
    /// <summary>Quotes an identifier with backticks, doubling any backtick inside.</summary>
    /// <exception cref="SyncToolsException">Empty, over 64 characters, or holding NUL.</exception>
    public static string Quote(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name.Contains('\0') || name.EndsWith(' '))
        {
            throw new SyncToolsException($"'{name}' is not a valid MySQL identifier: 1 to 64 characters, no NUL, no trailing space.", JobErrorCategory.InvalidArgument, "MySqlIdentifierInvalid", name);
        }

        return "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
    }

    /// <summary>Finds a table's column in the catalogue (information_schema), so a typo is an error before any work.</summary>
    /// <exception cref="SyncToolsException">The table or column does not exist.</exception>
    public static async Task<MySqlColumn> RequireColumnAsync(DbConnection connection, string database, string table, string column, CancellationToken cancellationToken)
    {
        var quotedTable = $"{Quote(database)}.{Quote(table)}";
        var quotedColumn = Quote(column);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.CHARACTER_MAXIMUM_LENGTH,
                   EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                           WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.NON_UNIQUE = 0
                             AND s.COLUMN_NAME = c.COLUMN_NAME AND s.SEQ_IN_INDEX = 1
                             AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS o
                                             WHERE o.TABLE_SCHEMA = s.TABLE_SCHEMA AND o.TABLE_NAME = s.TABLE_NAME
                                               AND o.INDEX_NAME = s.INDEX_NAME AND o.SEQ_IN_INDEX > 1)) AS is_unique
            FROM information_schema.COLUMNS c
            WHERE c.TABLE_SCHEMA = @database AND c.TABLE_NAME = @table AND c.COLUMN_NAME = @column
            """;
        Add(command, "@database", database);
        Add(command, "@table", table);
        Add(command, "@column", column);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw await TableExistsAsync(connection, database, table, cancellationToken).ConfigureAwait(false)
                ? new SyncToolsException($"MySQL has no column {quotedColumn} in table {quotedTable}.", JobErrorCategory.ObjectNotFound, "MySqlColumnNotFound", $"{database}.{table}.{column}")
                : new SyncToolsException($"MySQL has no table {quotedTable}.", JobErrorCategory.ObjectNotFound, "MySqlTableNotFound", $"{database}.{table}");
        }

        return new MySqlColumn(quotedTable, quotedColumn, reader.IsDBNull(0) ? null : Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)) == 1);
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, string database, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @database AND TABLE_NAME = @table";
        Add(command, "@database", database);
        Add(command, "@table", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) > 0;
    }

    /// <summary>Checks in the catalogue that every table has every column named, so a wrong schema is one clear error before any work.</summary>
    /// <param name="hint">Appended to the error, e.g. how to create what is missing.</param>
    /// <exception cref="SyncToolsException">Naming every table or column that is missing.</exception>
    public static async Task RequireColumnsAsync(DbConnection connection, string database, IEnumerable<(string Table, IEnumerable<string> Columns)> tables, string hint, CancellationToken cancellationToken)
    {
        var present = new HashSet<(string, string)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT LOWER(TABLE_NAME), LOWER(COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @database";
            Add(command, "@database", database);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) present.Add((reader.GetString(0), reader.GetString(1)));
        }

        var tableNames = present.Select(p => p.Item1).ToHashSet();
        var missing = tables.Distinct().Select(t => tableNames.Contains(t.Table.ToLowerInvariant())
                ? t.Columns.Where(c => !present.Contains((t.Table.ToLowerInvariant(), c.ToLowerInvariant()))).Select(c => $"column {Quote(t.Table)}.{Quote(c)}")
                : [$"table {Quote(t.Table)}"])
            .SelectMany(m => m).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new SyncToolsException($"MySQL database {Quote(database)} has no {string.Join(", no ", missing)}.{hint}", JobErrorCategory.ObjectNotFound, "MySqlSchemaMismatch", database);
        }
    }

    /// <summary>
    /// The columns a table can be paged by, in index order: its primary key, else its first unique key whose columns are
    /// all NOT NULL; refused with a clear error when it has neither.
    /// </summary>
    public static async Task<string[]> PagingKeyAsync(DbConnection connection, string database, string table, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, List<(string Column, bool Nullable)>>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT s.INDEX_NAME, s.COLUMN_NAME, s.NULLABLE = 'YES'
                FROM information_schema.STATISTICS s
                WHERE s.TABLE_SCHEMA = @database AND s.TABLE_NAME = @table AND s.NON_UNIQUE = 0 AND s.SUB_PART IS NULL
                ORDER BY s.INDEX_NAME <> 'PRIMARY', s.INDEX_NAME, s.SEQ_IN_INDEX
                """;
            Add(command, "@database", database);
            Add(command, "@table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = reader.GetString(0);
                if (!keys.TryGetValue(index, out var columns)) keys[index] = columns = [];
                // A functional key part (MySQL 8) has no column: such a key cannot page the table, as if nullable.
                columns.Add(reader.IsDBNull(1) ? ("", true) : (reader.GetString(1), Convert.ToBoolean(reader.GetValue(2))));
            }
        }

        return keys.Values.FirstOrDefault(columns => columns.All(c => !c.Nullable))?.Select(c => c.Column).ToArray()
            ?? throw new SyncToolsException(
                $"MySQL table {Quote(database)}.{Quote(table)} has no primary key, nor a unique key of NOT NULL columns, to read it by in batches: add one.",
                JobErrorCategory.InvalidData, "MySqlTableHasNoKey", $"{database}.{table}");
    }

    /// <summary>
    /// Adds the values as positional parameters (MySqlConnector's <c>?</c>), in order, and gives their placeholders,
    /// comma-separated: no name to make or look up per value, which counts in statements of thousands of values. A
    /// command takes either these or named parameters, never both.
    /// </summary>
    public static string AddPositional(DbCommand command, IEnumerable<object?> values)
    {
        var count = 0;
        foreach (var value in values)
        {
            Add(command, "", value);
            count++;
        }

        return string.Join(", ", Enumerable.Repeat("?", count));
    }

    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
