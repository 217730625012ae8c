using System.Management.Automation;
using SyncTools.Core.MySql;

namespace SyncTools.PowerShell;

/// <summary>The MySQL server parameters of the cmdlets that reach MySQL, with the source designs' environment defaults.</summary>
public abstract class MySqlCmdletBase : SyncToolsCmdlet
{
    /// <summary>The MySQL host; default $env:DB_HOST.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>The MySQL port; default $env:DB_PORT, else 3306.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The MySQL user and password; default $env:DB_USERNAME and $env:DB_PASSWORD.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The server of <paramref name="connectionString"/>, with -Server, -Port and -Credential over its parts.</summary>
    protected MySqlSource MySqlSource(string? connectionString, string? database = null) =>
        new(connectionString, Server, (uint?)Port, Credential?.UserName, Credential?.GetNetworkCredential().Password, database);
}
