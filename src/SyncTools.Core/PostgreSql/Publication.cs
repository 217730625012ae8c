using Npgsql;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>The publication a pgoutput slot decodes with: it decides which tables' changes the stream carries.</summary>
public static class Publication
{
    /// <summary>
    /// Checks that the publication exists and publishes the table's inserts, updates, deletes and truncates (a change
    /// it does not publish would never reach the collection); creates it for the table alone when missing and
    /// <paramref name="create"/> is set and <paramref name="confirm"/> agrees. A publication that exists is never altered.
    /// </summary>
    /// <param name="confirm">Asked with what would be done before creating; false: nothing is created.</param>
    /// <returns>False when creation was declined.</returns>
    /// <exception cref="SyncToolsException">Missing (without <paramref name="create"/>), without the table, or not publishing every kind of change.</exception>
    public static async Task<bool> EnsureAsync(NpgsqlConnection connection, string name, string schema, string table, bool create, Func<string, bool> confirm, CancellationToken cancellationToken)
    {
        var quoted = PgIdentifiers.Quote(name);
        var from = $"{PgIdentifiers.Quote(schema)}.{PgIdentifiers.Quote(table)}";
        await using (var command = new NpgsqlCommand("""
            SELECT p.pubinsert AND p.pubupdate AND p.pubdelete AND p.pubtruncate,
                   EXISTS (SELECT 1 FROM pg_publication_tables t WHERE t.pubname = p.pubname AND t.schemaname = $2 AND t.tablename = $3)
            FROM pg_publication p WHERE p.pubname = $1
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
