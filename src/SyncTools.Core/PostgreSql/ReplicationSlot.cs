using Npgsql;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>A change to one row, read from a slot's pending changes.</summary>
/// <param name="Key">The key column's value in PostgreSQL's text form.</param>
public sealed record SlotChange(string Lsn, string Operation, string Key);

/// <summary>
/// A logical replication slot (test_decoding output), read without consuming it: pending changes are peeked, never
/// taken, so the change-capture consumer that owns the slot still sees every one of them.
/// </summary>
public sealed class ReplicationSlot
{
    private readonly string _name;
    private readonly string _confirmedFlushLsn;

    private ReplicationSlot(string name, string confirmedFlushLsn)
    {
        _name = name;
        _confirmedFlushLsn = confirmedFlushLsn;
    }

    public string Name => _name;

    /// <exception cref="SyncToolsException">No such slot, or one that is physical, of another database or another plugin.</exception>
    public static async Task<ReplicationSlot> OpenAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT slot_type, plugin, database, current_database(), COALESCE(confirmed_flush_lsn, restart_lsn)::text
            FROM pg_replication_slots WHERE slot_name = $1
            """, connection);
        command.Parameters.Add(new() { Value = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new SyncToolsException($"PostgreSQL has no replication slot '{name}': create it with pg_create_logical_replication_slot('{name}', 'test_decoding') in the table's database, or name another (-SlotName, $env:SLOTNAME).", JobErrorCategory.ObjectNotFound, "PgSlotNotFound", name);
        }

        var (type, plugin, database, current) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3));
        if (type != "logical") throw new SyncToolsException($"The replication slot '{name}' is {type}, not logical: it has no changes to read.", JobErrorCategory.InvalidArgument, "PgSlotNotLogical", name);
        if (database != current) throw new SyncToolsException($"The replication slot '{name}' belongs to the database '{database}', not '{current}' where the table is.", JobErrorCategory.InvalidArgument, "PgSlotOtherDatabase", name);
        if (plugin != "test_decoding") throw new SyncToolsException($"The replication slot '{name}' decodes with '{plugin}'; SyncTools reads slots of the test_decoding plugin.", JobErrorCategory.InvalidArgument, "PgSlotPluginUnsupported", name);
        return new ReplicationSlot(name, reader.IsDBNull(4) ? "0/0" : reader.GetString(4));
    }

    /// <summary>
    /// The LSN of the last pending change to the table, or, when none is pending, the slot's confirmed position:
    /// change capture resuming after it sees every change the copy that starts now may miss.
    /// </summary>
    public async Task<string> LatestLsnAsync(NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT max(lsn)::text FROM pg_logical_slot_peek_changes($1, NULL, NULL) WHERE {TableFilter}", connection);
        AddParameters(command, schema, table);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? _confirmedFlushLsn;
    }

    /// <summary>The pending changes to the table after <paramref name="lsn"/>, with the key column's value of each.</summary>
    public async Task<IReadOnlyList<SlotChange>> ChangesAfterAsync(NpgsqlConnection connection, string schema, string table, string key, string lsn, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT lsn::text, data FROM pg_logical_slot_peek_changes($1, NULL, NULL) WHERE {TableFilter} AND lsn > $4::pg_lsn ORDER BY lsn", connection);
        AddParameters(command, schema, table);
        command.Parameters.Add(new() { Value = lsn });
        var changes = new List<SlotChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (operation, keys) = TestDecoding.Parse(reader.GetString(1), key);
            changes.AddRange(keys.Select(k => new SlotChange(reader.GetString(0), operation, k)));
        }

        return changes;
    }

    // test_decoding writes "table <schema>.<table>: <OPERATION>: ...", each name quoted as quote_ident would.
    private const string TableFilter = "starts_with(data, 'table ' || quote_ident($2) || '.' || quote_ident($3) || ': ')";

    private void AddParameters(NpgsqlCommand command, string schema, string table)
    {
        command.Parameters.Add(new() { Value = _name });
        command.Parameters.Add(new() { Value = schema });
        command.Parameters.Add(new() { Value = table });
    }
}
