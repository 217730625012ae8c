using System.Management.Automation;

namespace SyncTools.PowerShell;

/// <summary>The server parameters of the cmdlets that reach a SQL server; each cmdlet's server type supplies the environment defaults.</summary>
public abstract class ServerCmdletBase : SyncToolsCmdlet
{
    /// <summary>The database server's host; default $env:DB_HOST for the MySQL cmdlets, $env:PGHOST for Start-FullSync, else localhost.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>The database server's port; default $env:DB_PORT for the MySQL cmdlets (else 3306), $env:PGPORT for Start-FullSync (else 5432).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The database user and password; default $env:DB_USERNAME and $env:DB_PASSWORD for the MySQL cmdlets, $env:PGUSER and $env:PGPASSWORD for Start-FullSync.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The password of -Credential, or null.</summary>
    protected string? Password => Credential?.GetNetworkCredential().Password;
}
