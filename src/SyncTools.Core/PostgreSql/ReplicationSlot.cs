using Npgsql;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>A change to one row, read from a slot's pending changes.</summary>
/// <param name="Key">The key column's value in PostgreSQL's text form.</param>
public sealed record SlotChange(string Lsn, string Operation, string Key);

/// <summary>
/// A logical replication slot of the pgoutput plugin (the standard one, which Start-ChangeSync streams) or of
/// test_decoding, read here without consuming it: pending changes are peeked, never taken, so the change-capture
/// consumer that owns the slot still sees every one of them.
/// </summary>
public sealed class ReplicationSlot
{
    public const string PgOutputPlugin = "pgoutput";
    public const string TestDecodingPlugin = "test_decoding";

    private readonly string _name;
    private readonly string _confirmedFlushLsn;

    private ReplicationSlot(string name, string plugin, string confirmedFlushLsn)
    {
        _name = name;
        Plugin = plugin;
        _confirmedFlushLsn = confirmedFlushLsn;
    }

    public string Name => _name;

    /// <summary>Where the slot's consumer confirmed it had what came before (its restart point if it has none), as PostgreSQL writes an LSN.</summary>
    public string ConfirmedFlushLsn => _confirmedFlushLsn;

    /// <summary>pgoutput or test_decoding.</summary>
    public string Plugin { get; }

    /// <summary>The environment variable that names the slot when none is given (as in the source design).</summary>
    public const string NameVariable = "SLOTNAME";

    /// <summary>The slot given, else $env:SLOTNAME, checked by <see cref="ValidateName"/>.</summary>
    /// <exception cref="SyncToolsException">Neither, or a name PostgreSQL would refuse.</exception>
    public static string ResolveName(string? given) =>
        ValidateName(given ?? (Environment.GetEnvironmentVariable(NameVariable) is { Length: > 0 } slot ? slot
            : throw new SyncToolsException($"Name the replication slot: -SlotName, or ${NameVariable}.", JobErrorCategory.InvalidArgument, "PgSlotMissing")));

    /// <summary>The name, checked: PostgreSQL allows 1 to 63 lower-case letters, digits and underscores.</summary>
    /// <exception cref="SyncToolsException">Any other name.</exception>
    public static string ValidateName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9_]{1,63}$") ? name
            : throw new SyncToolsException($"'{name}' is not a replication slot name: 1 to 63 lower-case letters, digits and underscores.", JobErrorCategory.InvalidArgument, "PgSlotNameInvalid", name);

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
            throw new SyncToolsException($"PostgreSQL has no replication slot '{name}': create it with pg_create_logical_replication_slot('{name}', 'pgoutput') in the table's database, or name another (-SlotName, $env:SLOTNAME).", JobErrorCategory.ObjectNotFound, "PgSlotNotFound", name);
        }

        var (type, plugin, database, current) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3));
        if (type != "logical") throw new SyncToolsException($"The replication slot '{name}' is {type}, not logical: it has no changes to read.", JobErrorCategory.InvalidArgument, "PgSlotNotLogical", name);
        if (database != current) throw new SyncToolsException($"The replication slot '{name}' belongs to the database '{database}', not '{current}' where the table is.", JobErrorCategory.InvalidArgument, "PgSlotOtherDatabase", name);
        if (plugin is not (PgOutputPlugin or TestDecodingPlugin)) throw new SyncToolsException($"The replication slot '{name}' decodes with '{plugin}'; SyncTools reads slots of the pgoutput or test_decoding plugins.", JobErrorCategory.InvalidArgument, "PgSlotPluginUnsupported", name);
        return new ReplicationSlot(name, plugin, reader.IsDBNull(4) ? "0/0" : reader.GetString(4));
    }

    /// <summary>
    /// The LSN of the last pending change to the table, or, when none is pending, the slot's confirmed position:
    /// change capture resuming after it sees every change the copy that starts now may miss.
    /// </summary>
    /// <param name="publication">For a pgoutput slot, the publication it decodes with.</param>
    public async Task<string> LatestLsnAsync(NpgsqlConnection connection, string schema, string table, string publication, CancellationToken cancellationToken)
    {
        var sql = Plugin == PgOutputPlugin
            ? $"SELECT max(lsn)::text FROM {PgOutputPeek("NULL")}, {TableOid} WHERE get_byte(data, 0) IN (73, 85, 68) AND {OfTable}"
            : $"SELECT max(lsn)::text FROM pg_logical_slot_peek_changes($1, NULL, NULL) WHERE {TableFilter}";
        await using var command = new NpgsqlCommand(sql, connection);
        AddParameters(command, schema, table);
        if (Plugin == PgOutputPlugin) command.Parameters.Add(new() { Value = publication });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string ?? _confirmedFlushLsn;
    }

    /// <summary>
    /// The table's pending inserts, updates, deletes and truncates in a pgoutput slot, of the transactions streaming after <paramref name="lsn"/>,
    /// counting at most <paramref name="limit"/> decoded messages (then the counts are a floor).
    /// </summary>
    public async Task<(long Inserts, long Updates, long Deletes, long Truncates, bool Partial)> PendingAsync(
        NpgsqlConnection connection, string schema, string table, string publication, string lsn, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FILTER (WHERE kind = 73 AND mine), count(*) FILTER (WHERE kind = 85 AND mine), count(*) FILTER (WHERE kind = 68 AND mine),
                   count(*) FILTER (WHERE kind = 84 AND mine), COALESCE(bool_or(peeked >= $5), false)
            FROM (SELECT kind, mine, peeked, max(lsn) FILTER (WHERE kind = 67) OVER (PARTITION BY xid::text) AS commit_lsn
                  FROM (SELECT get_byte(data, 0) AS kind, lsn, xid, CASE get_byte(data, 0) WHEN 84 THEN {TruncatesTable} ELSE {OfTable} END AS mine, count(*) OVER () AS peeked
                        FROM {PgOutputPeek("$5")}, {TableOid}) AS messages) AS changes
            -- A transaction streams after an LSN when its commit ('C') does.
            WHERE commit_lsn >= $6::pg_lsn
            """, connection);
        AddParameters(command, schema, table);
        command.Parameters.Add(new() { Value = publication });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = lsn });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetBoolean(4));
    }

    /// <summary>How many changes to the table (row inserts, updates and deletes, and truncates) the slot holds after <paramref name="lsn"/>.</summary>
    /// <param name="publication">For a pgoutput slot, the publication it decodes with.</param>
    public async Task<long> ChangeCountAfterAsync(NpgsqlConnection connection, string schema, string table, string publication, string lsn, CancellationToken cancellationToken)
    {
        if (Plugin == PgOutputPlugin)
        {
            var (inserts, updates, deletes, truncates, _) = await PendingAsync(connection, schema, table, publication, lsn, int.MaxValue, cancellationToken).ConfigureAwait(false);
            return inserts + updates + deletes + truncates;
        }

        await using var command = new NpgsqlCommand($"SELECT count(*) FROM pg_logical_slot_peek_changes($1, NULL, NULL) WHERE {TableFilter} AND lsn > $4::pg_lsn", connection);
        AddParameters(command, schema, table);
        command.Parameters.Add(new() { Value = lsn });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string PgOutputPeek(string limit) => $"pg_logical_slot_peek_binary_changes($1, NULL, {limit}, 'proto_version', '1', 'publication_names', quote_ident($4))";

    // pgoutput's insert, update and delete messages ('I', 'U', 'D') name their table by OID in bytes 2 to 5.
    private const string OfTable = "substring(data FROM 2 FOR 4) = relation.oid";

    // A truncate message ('T') gives the number of its tables in bytes 2 to 5, an options byte, then their OIDs, 4 bytes each.
    private const string TruncatesTable =
        "EXISTS (SELECT 1 FROM generate_series(0, ('x' || encode(substring(data FROM 2 FOR 4), 'hex'))::bit(32)::int - 1) AS truncated(at) WHERE substring(data FROM 7 + 4 * at FOR 4) = relation.oid)";

    // The table's OID as those 4 bytes, looked up once per query rather than per decoded message.
    private const string TableOid = "(SELECT int4send((quote_ident($2) || '.' || quote_ident($3))::regclass::oid::int4) AS oid) AS relation";

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
