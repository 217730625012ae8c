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
}
