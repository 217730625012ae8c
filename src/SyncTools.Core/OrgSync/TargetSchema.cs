using System.Text.RegularExpressions;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;

namespace SyncTools.Core.OrgSync;

/// <summary>The organizations schema the module ships (sql/organizations.sql), applied on request.</summary>
public static class TargetSchema
{
    public static string Script
    {
        get
        {
            using var stream = typeof(TargetSchema).Assembly.GetManifestResourceStream("SyncTools.Core.OrgSync.organizations.sql")!;
            return new StreamReader(stream).ReadToEnd();
        }
    }

    /// <summary>Creates the database when absent and every table of the script that is missing; existing tables are left as they are.</summary>
    public static async Task ApplyAsync(MySqlSource server, string database, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var quoted = MySqlIdentifiers.Quote(database);
        if (!reporter.ShouldProcess($"{server.WithDatabase(database)}", "Create the organizations schema (missing tables only)")) return;
        await using var connection = await server.WithDatabase("").OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OrgSyncConnections.ExecuteAsync(connection, $"CREATE DATABASE IF NOT EXISTS {quoted}; USE {quoted};\n{Script}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw server.Translate(e, database);
        }

        reporter.Verbose($"The organizations schema is in place in {quoted}.");
    }

    /// <summary>
    /// For -WhatIf: says what <see cref="ApplyAsync"/> would create, creating nothing, and returns the script's tables
    /// the target lacks (all of them when the database itself is missing).
    /// </summary>
    public static async Task<IReadOnlySet<string>> PreviewAsync(MySqlSource server, string database, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var tables = Regex.Matches(Script, @"CREATE TABLE IF NOT EXISTS `([^`]+)`").Select(m => m.Groups[1].Value).ToList();
        var (databaseExists, present) = (false, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        try
        {
            await using var connection = await server.WithDatabase("").OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @database; SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @database";
            MySqlIdentifiers.Add(command, "@database", database);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            databaseExists = Convert.ToInt64(reader.GetValue(0)) > 0;
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) present.Add(reader.GetString(0));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw server.Translate(e, database);
        }

        var missing = tables.Where(t => !present.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            reporter.ShouldProcess($"{server.WithDatabase(database)}", databaseExists
                ? $"Create the organizations tables {string.Join(", ", missing)}"
                : $"Create the database {MySqlIdentifiers.Quote(database)} and the organizations tables {string.Join(", ", missing)}");
        }

        return missing.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
