using System.Data.Common;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;

namespace SyncTools.Core.OrgSync;

/// <summary>A target table's rows whose source row is gone or no longer passes the filter: their keys, of the table's rows.</summary>
internal sealed record StaleRows(TablePlan Plan, List<(long, long)> Keys, long TargetRows);

/// <summary>
/// Finds the target rows that no source row would give any more (deleted, deactivated, or whose user or institute is no
/// longer synced) by comparing every key of both sides, the source's within the run's snapshot; then reports them, or,
/// with -RemoveMissing, removes them in reverse foreign-key order within the bound of -MaxRemove.
/// </summary>
internal sealed class MissingRows(OrgSyncOptions options, IJobReporter reporter, IReadOnlySet<string> absent)
{
    private readonly string _sourceDatabase = MySqlIdentifiers.Quote(options.SourceDatabase);
    private readonly string _targetDatabase = MySqlIdentifiers.Quote(options.TargetDatabase);

    /// <summary>The source's keys each target table of <paramref name="plans"/> (and its parents) should hold, by target table.</summary>
    public async Task<Dictionary<string, HashSet<(long, long)>>> WantedAsync(IReadOnlyList<TablePlan> plans, OrgSyncConnections connections, CancellationToken cancellationToken)
    {
        // Parents first (TablePlan.All is in foreign-key order): a row is wanted only when its parents are.
        var needed = plans.SelectMany(p => p.Parents.Select(parent => parent.Table).Append(p.TargetTable)).ToHashSet();
        var wanted = new Dictionary<string, HashSet<(long, long)>>();
        var source = await connections.SourceAsync(cancellationToken).ConfigureAwait(false);
        foreach (var plan in TablePlan.All.Where(p => needed.Contains(p.TargetTable)))
        {
            var columns = string.Join(", ", plan.TargetKeySource.Select(c => "s." + MySqlIdentifiers.Quote(c)));
            var keys = new HashSet<(long, long)>();
            var sql = $"SELECT {columns} FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(plan.SourceTable)} s{(plan.Filter is null ? "" : " WHERE " + plan.Filter)}";
            await foreach (var key in KeysAsync(source, sql, plan, cancellationToken).ConfigureAwait(false))
            {
                if (plan.Parents.All(parent => wanted[parent.Table].Contains((parent.Column == 0 ? key.Item1 : key.Item2, 0)))) keys.Add(key);
            }

            wanted[plan.TargetTable] = keys;
        }

        return wanted;
    }

    /// <summary>Every key each target table of <paramref name="wanted"/> holds; none for a table still to be created.</summary>
    /// <param name="wanted">The source's keys by target table (<see cref="WantedAsync"/>): as many as the target is expected to hold.</param>
    public async Task<Dictionary<string, HashSet<(long, long)>>> HeldAsync(Dictionary<string, HashSet<(long, long)>> wanted, OrgSyncConnections connections, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, HashSet<(long, long)>>();
        foreach (var plan in TablePlan.All.Where(p => wanted.ContainsKey(p.TargetTable)))
        {
            var keys = held[plan.TargetTable] = new(wanted[plan.TargetTable].Count);
            if (absent.Contains(plan.TargetTable)) continue;
            var target = await connections.TargetAsync(cancellationToken).ConfigureAwait(false);
            var sql = $"SELECT {string.Join(", ", plan.TargetColumns.Take(plan.KeyColumns).Select(MySqlIdentifiers.Quote))} FROM {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)}";
            await foreach (var key in KeysAsync(target, sql, plan, cancellationToken).ConfigureAwait(false)) keys.Add(key);
        }

        return held;
    }

    /// <summary>The stale rows of each of <paramref name="plans"/> whose target table exists: its keys that <paramref name="wanted"/> lacks.</summary>
    public static List<StaleRows> Find(IReadOnlyList<TablePlan> plans, Dictionary<string, HashSet<(long, long)>> wanted, Dictionary<string, HashSet<(long, long)>> held) =>
        plans.Select(plan => new StaleRows(plan, held[plan.TargetTable].Where(key => !wanted[plan.TargetTable].Contains(key)).ToList(), held[plan.TargetTable].Count)).ToList();

    /// <summary>
    /// Without -RemoveMissing, one warning; with it, the rows removed, children first. More than -MaxRemove percent of a
    /// table (or all of it) is refused, before anything is removed, unless -Force. A preview only says what it would remove.
    /// </summary>
    /// <returns>The rows removed per table.</returns>
    public async Task<Dictionary<OrgSyncTable, long>> ApplyAsync(List<StaleRows> stale, OrgSyncConnections connections, CancellationToken cancellationToken)
    {
        var removed = new Dictionary<OrgSyncTable, long>();
        var found = stale.Where(s => s.Keys.Count > 0).ToList();
        if (!options.RemoveMissing)
        {
            Warn(found.Select(s => (s.Plan.TargetTable, (long)s.Keys.Count)));
            return removed;
        }

        if (found.Count == 0) return removed;

        var beyond = found.Where(s => s.Keys.Count == s.TargetRows || s.Keys.Count > s.TargetRows * options.MaxRemovePercent / 100).ToList();
        if (beyond.Count > 0 && !options.Force)
        {
            throw new SyncToolsException(
                $"-RemoveMissing would remove {string.Join(", ", beyond.Select(s => $"{s.Keys.Count:N0} of the {s.TargetRows:N0} rows of {options.TargetDatabase}.{s.Plan.TargetTable}"))}: more than -MaxRemove ({options.MaxRemovePercent}%) of a table, or all of it. " +
                $"Nothing was written. Check that {options.SourceName} is the right source and holds its rows; -Force removes them anyway.",
                JobErrorCategory.InvalidOperation, "OrgSyncRemoveBeyondBound", options.TargetName);
        }

        foreach (var rows in found.AsEnumerable().Reverse())
        {
            var table = $"{options.TargetDatabase}.{rows.Plan.TargetTable}";
            var action = $"Remove {rows.Keys.Count:N0} rows whose source rows in {options.SourceDatabase}.{rows.Plan.SourceTable} are gone or inactive";
            if (options.Preview)
            {
                reporter.ShouldProcess(table, action);
                continue;
            }

            var target = await connections.TargetAsync(cancellationToken).ConfigureAwait(false);
            foreach (var batch in rows.Keys.Chunk(options.BatchSize))
            {
                removed[rows.Plan.Table] = removed.GetValueOrDefault(rows.Plan.Table) + await DeleteAsync(target, rows.Plan, batch, cancellationToken).ConfigureAwait(false);
            }

            reporter.Verbose($"{table}: {action}: {removed.GetValueOrDefault(rows.Plan.Table):N0} removed.");
        }

        return removed;
    }

    /// <summary>The warning, without -RemoveMissing, that the target holds rows no source row gives: how many in each table.</summary>
    public void Warn(IEnumerable<(string TargetTable, long Rows)> stale)
    {
        var listing = string.Join(", ", stale.Where(s => s.Rows > 0).Select(s => $"{s.Rows:N0} in {s.TargetTable}"));
        if (listing.Length == 0) return;
        reporter.Warning($"{options.TargetName} holds rows whose source rows in {options.SourceName} are gone or inactive ({listing}): they keep whatever access they give until removed. -RemoveMissing removes them.");
    }

    private async Task<int> DeleteAsync(DbConnection target, TablePlan plan, (long, long)[] keys, CancellationToken cancellationToken)
    {
        await using var command = target.CreateCommand();
        var columns = plan.TargetColumns.Take(plan.KeyColumns).Select(MySqlIdentifiers.Quote).ToList();
        var tuples = keys.Select(key => "(" + MySqlIdentifiers.AddPositional(command, new object?[] { key.Item1, key.Item2 }.Take(plan.KeyColumns)) + ")");
        command.CommandText = $"DELETE FROM {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)} WHERE ({string.Join(", ", columns)}) IN ({string.Join(", ", tuples)})";
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The target keys a query of the source columns that become them reads.</summary>
    private static async IAsyncEnumerable<(long, long)> KeysAsync(DbConnection connection, string sql, TablePlan plan, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return plan.KeyOf(reader);
        }
    }
}
