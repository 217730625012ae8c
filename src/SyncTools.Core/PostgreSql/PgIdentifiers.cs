using Npgsql;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>A source column as the catalogue describes it.</summary>
/// <param name="TypeName">The type's name (for an array, its element type's, with <paramref name="IsArray"/>).</param>
/// <param name="TypeCategory">pg_type.typtype of that type: b base, e enum, d domain, c composite, r range.</param>
/// <param name="SqlType">The column's type as SQL writes it, e.g. "character varying(20)".</param>
/// <param name="IsUniqueKey">NOT NULL with a unique index (or primary key) of its own: a key to page by.</param>
/// <param name="TypeOid">The column's type (pg_attribute.atttypid), as logical decoding names it too.</param>
/// <param name="TypeModifier">The column's type modifier (atttypmod), e.g. a length or precision; -1 for none.</param>
public sealed record PgColumn(string Name, string TypeName, char TypeCategory, bool IsArray, string SqlType, bool IsUniqueKey, uint TypeOid, int TypeModifier);

/// <summary>Identifiers of PostgreSQL: quoted, and checked against the catalogue before any SQL uses them.</summary>
public static class PgIdentifiers
{
    /// <summary>Quotes an identifier with double quotes, doubling any inside.</summary>
    /// <exception cref="SyncToolsException">Empty, over 63 bytes, or holding NUL.</exception>
    public static string Quote(string name)
    {
        if (string.IsNullOrEmpty(name) || System.Text.Encoding.UTF8.GetByteCount(name) > 63 || name.Contains('\0'))
        {
            throw new SyncToolsException($"'{name}' is not a valid PostgreSQL identifier: 1 to 63 bytes, no NUL.", JobErrorCategory.InvalidArgument, "PgIdentifierInvalid", name);
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The table's columns in order, from the catalogue.</summary>
    /// <exception cref="SyncToolsException">No such table (or view) in the schema.</exception>
    public static async Task<IReadOnlyList<PgColumn>> ColumnsAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT a.attname, COALESCE(e.typname, t.typname), COALESCE(e.typtype, t.typtype)::text, e.oid IS NOT NULL,
                   format_type(a.atttypid, a.atttypmod),
                   a.attnotnull AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                                            AND i.indnatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL),
                   a.atttypid, a.atttypmod
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, connection);
        command.Parameters.Add(new() { Value = schema });
        command.Parameters.Add(new() { Value = table });
        var columns = new List<PgColumn>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2)[0], reader.GetBoolean(3), reader.GetString(4), reader.GetBoolean(5), reader.GetFieldValue<uint>(6), reader.GetInt32(7)));
            }
        }

        return columns.Count > 0 ? columns
            : throw new SyncToolsException($"PostgreSQL has no table {Quote(schema)}.{Quote(table)}.", JobErrorCategory.ObjectNotFound, "PgTableNotFound", $"{schema}.{table}");
    }

    /// <summary>
    /// What the table's old rows carry in logical decoding (pg_class.relreplident: d default = the primary key,
    /// i = a chosen unique index, f full = every column, n nothing) and the columns that gives (every one for f).
    /// </summary>
    public static async Task<(char Kind, IReadOnlyList<string> Columns)> ReplicaIdentityAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.relreplident::text, ARRAY(
                SELECT a.attname FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND (c.relreplident = 'f' OR EXISTS (
                    SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND a.attnum = ANY (i.indkey)
                    AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident)))))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2
            """, connection);
        command.Parameters.Add(new() { Value = schema });
        command.Parameters.Add(new() { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetString(0)[0], reader.GetFieldValue<string[]>(1))
            : throw new SyncToolsException($"PostgreSQL has no table {Quote(schema)}.{Quote(table)}.", JobErrorCategory.ObjectNotFound, "PgTableNotFound", $"{schema}.{table}");
    }

    /// <summary>The table's primary key when it is a single column; null otherwise.</summary>
    public static async Task<string?> SingleColumnPrimaryKeyAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT a.attname
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary AND i.indnatts = 1
            """, connection);
        command.Parameters.Add(new() { Value = schema });
        command.Parameters.Add(new() { Value = table });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
