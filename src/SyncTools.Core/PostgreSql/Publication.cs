using Npgsql;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>The publication a pgoutput slot decodes with: it decides which tables' changes the stream carries.</summary>
public static class Publication
{
    /// <summary>
    /// Checks that the publication exists and publishes the table's inserts, updates, deletes and truncates, of every
    /// row and column (a change it does not publish would never reach the collection, which the full sync fills with every
    /// row: PostgreSQL 15's row filters and column lists are refused); creates it for the table alone when missing and
    /// <paramref name="create"/> is set and <paramref name="confirm"/> agrees. A publication that exists is never altered.
    /// </summary>
    /// <param name="confirm">Asked with what would be done before creating; false: nothing is created.</param>
    /// <returns>False when creation was declined.</returns>
    /// <exception cref="SyncToolsException">Missing (without <paramref name="create"/>), without the table, not publishing every kind of change, or only some rows or columns.</exception>
    public static async Task<bool> EnsureAsync(NpgsqlConnection connection, string name, string schema, string table, bool create, Func<string, bool> confirm, CancellationToken cancellationToken)
    {
        var quoted = PgIdentifiers.Quote(name);
        var from = $"{PgIdentifiers.Quote(schema)}.{PgIdentifiers.Quote(table)}";
        // Row filters and column lists came with PostgreSQL 15: the table's entry then holds them (attnames lists every column without a list).
        var filtered = connection.PostgreSqlVersion.Major >= 15;
        await using (var command = new NpgsqlCommand($"""
            SELECT p.pubinsert AND p.pubupdate AND p.pubdelete AND p.pubtruncate, t.tablename IS NOT NULL,
                   {(filtered ? "t.rowfilter" : "NULL::text")},
                   {(filtered ? """
                       array_to_string(ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass(format('%I.%I', $2, $3))
                                             AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attname <> ALL (t.attnames) ORDER BY a.attnum), ', ')
                       """ : "NULL::text")}
            FROM pg_publication p
            LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname AND t.schemaname = $2 AND t.tablename = $3
            WHERE p.pubname = $1
            """, connection))
        {
            command.Parameters.Add(new() { Value = name });
            command.Parameters.Add(new() { Value = schema });
            command.Parameters.Add(new() { Value = table });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!reader.GetBoolean(1))
                {
                    throw new SyncToolsException($"The publication {quoted} does not include {from}: ALTER PUBLICATION {quoted} ADD TABLE {from}; or name another (-Publication).",
                        JobErrorCategory.InvalidArgument, "PgPublicationLacksTable", name);
                }

                if (!reader.IsDBNull(2))
                {
                    throw new SyncToolsException($"The publication {quoted} publishes only the rows of {from} where {reader.GetString(2)}: the full sync copies every row, whose changes would then not all arrive. " +
                        $"ALTER PUBLICATION {quoted} SET TABLE {from}; (which drops the filter), or name another (-Publication); -Where is the way to sync some rows.",
                        JobErrorCategory.InvalidArgument, "PgPublicationFiltered", name);
                }

                if (!reader.IsDBNull(3) && reader.GetString(3).Length > 0)
                {
                    throw new SyncToolsException($"The publication {quoted} leaves out the columns {reader.GetString(3)} of {from}: their changes would never arrive. " +
                        $"ALTER PUBLICATION {quoted} SET TABLE {from}; (which publishes every column), or name another (-Publication).",
                        JobErrorCategory.InvalidArgument, "PgPublicationFiltered", name);
                }

                return reader.GetBoolean(0) ? true
                    : throw new SyncToolsException($"The publication {quoted} does not publish every change of {from}: ALTER PUBLICATION {quoted} SET (publish = 'insert, update, delete, truncate');",
                        JobErrorCategory.InvalidArgument, "PgPublicationIncomplete", name);
            }
        }

        if (!create)
        {
            throw new SyncToolsException($"PostgreSQL has no publication {quoted}: CREATE PUBLICATION {quoted} FOR TABLE {from}; or pass -CreatePublication.",
                JobErrorCategory.ObjectNotFound, "PgPublicationNotFound", name);
        }

        if (!confirm($"Create the publication {quoted} for {from}")) return false;
        await using var createCommand = new NpgsqlCommand($"CREATE PUBLICATION {quoted} FOR TABLE {from}", connection);
        await createCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
