using System.Management.Automation;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;

namespace SyncTools.PowerShell;

/// <summary>The MongoDB and MySQL connection parameters of the cmdlets that reach both, with the jobs' defaults.</summary>
public abstract class DatabaseCmdletBase : MySqlCmdletBase
{
    /// <summary>The MongoDB connection string; default $env:MONGODB_URI.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MongoConnectionString { get; set; }

    /// <summary>The MySQL connection string; parts not in it come from -Server, -Port, -Credential or DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MySqlConnectionString { get; set; }

    protected MongoEndpoint MongoEndpoint => new(MongoConnectionString);

    /// <summary>Whether a MongoDB connection string is at hand, given or in the environment.</summary>
    protected bool HasMongo => MongoConnectionString is not null || Environment.GetEnvironmentVariable(MongoEndpoint.EnvironmentVariable) is { Length: > 0 };

    protected MySqlSource MySqlSource(string? database = null) => MySqlSource(MySqlConnectionString, database);
}
