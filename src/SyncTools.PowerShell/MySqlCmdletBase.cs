using SyncTools.Core.MySql;

namespace SyncTools.PowerShell;

/// <summary>The cmdlets that reach MySQL, with the source designs' environment defaults (DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD).</summary>
public abstract class MySqlCmdletBase : ServerCmdletBase
{
    /// <summary>The server of <paramref name="connectionString"/>, with -Server, -Port and -Credential over its parts.</summary>
    protected MySqlSource MySqlSource(string? connectionString, string? database = null) =>
        new(connectionString, Server, (uint?)Port, Credential?.UserName, Password, database);
}
