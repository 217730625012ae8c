using System.Management.Automation;
using SyncTools.Core.MySql;

namespace SyncTools.PowerShell;

/// <summary>The cmdlets that reach MySQL, with its environment defaults (DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD).</summary>
public abstract class MySqlCmdletBase : SyncToolsCmdlet
{
    /// <summary>The MySQL or MariaDB server's host; default $env:DB_HOST, else localhost.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>The MySQL or MariaDB server's port; default $env:DB_PORT, else 3306.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The MySQL user and password; default $env:DB_USERNAME and $env:DB_PASSWORD, for DB_HOST's own server only (another server named by -Server or a connection string gets neither).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The server of <paramref name="connectionString"/>, with -Server, -Port and -Credential over its parts.</summary>
    protected MySqlSource MySqlSource(string? connectionString, string? database = null) =>
        new(connectionString, Server, (uint?)Port, Credential?.UserName, PasswordOf(Credential), database);
}
