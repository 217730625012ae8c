using SyncTools.Core.Jobs;
using SyncTools.Mongo;

namespace SyncTools.Core.MongoDb;

/// <summary>A MongoDB connection string, checked up front, that never shows its password.</summary>
public sealed class MongoEndpoint
{
    /// <summary>The environment variable that supplies the connection string when none is given.</summary>
    public const string EnvironmentVariable = "MONGODB_URI";

    private readonly MongoUrl _url;

    /// <exception cref="SyncToolsException">No connection string (and no MONGODB_URI), or one that cannot be used.</exception>
    public MongoEndpoint(string? connectionString)
    {
        var text = connectionString ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SyncToolsException(
                $"No MongoDB connection string: pass one, or set {EnvironmentVariable}.", JobErrorCategory.InvalidArgument, "MongoConnectionStringMissing");
        }

        try
        {
            _url = new MongoUrl(text);
        }
        catch (MongoConfigurationException e)
        {
            throw new SyncToolsException($"The MongoDB connection string cannot be used: {e.Message}", JobErrorCategory.InvalidArgument, "MongoConnectionStringInvalid", null, e);
        }
    }

    public MongoClient CreateClient() => new(_url);

    /// <summary>The database named in the connection string's path, if any.</summary>
    public string? DatabaseName => _url.DatabaseName;

    /// <summary>The connection string with its password masked.</summary>
    public override string ToString() => _url.ToString();

    /// <summary>Turns what the client throws into an error that says where, and what to check.</summary>
    public SyncToolsException Translate(Exception exception, string target) => exception switch
    {
        SyncToolsException e => e,
        MongoAuthenticationException e => new($"MongoDB at {this} refused the credentials for {target}: {e.Message}", JobErrorCategory.AuthenticationError, "MongoAuthenticationFailed", target, e),
        MongoConnectionException e => new($"Cannot reach MongoDB at {this} for {target}: {e.Message}", JobErrorCategory.ConnectionError, "MongoUnreachable", target, e),
        MongoBulkWriteException e => new($"Writing to {target} failed: {e.Message}", JobErrorCategory.WriteError, "MongoWriteFailed", target, e),
        MongoCommandException { Code: 13 } e => new($"MongoDB at {this} denied {target}: {e.Message}", JobErrorCategory.PermissionDenied, "MongoAccessDenied", target, e),
        MongoException e => new($"MongoDB at {this} failed for {target}: {e.Message}", JobErrorCategory.NotSpecified, "MongoFailed", target, e),
        _ => new($"MongoDB at {this} failed for {target}: {exception.Message}", JobErrorCategory.NotSpecified, "MongoFailed", target, exception),
    };
}
