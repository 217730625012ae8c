namespace SyncTools.Core.Status;

/// <summary>
/// What a job reads or writes, by what it is, never by who reached it: the kind of server, the server (host:port in
/// lower case; a replica set's hosts in order), the database (an S3 bucket), and the path to the object in it (a
/// collection; a schema and a table; a table and a column; an S3 key). The journal keeps source and target so, and
/// Get-SyncStatus -Live counts on the server named here.
/// </summary>
public sealed record SyncEndpoint(string Kind, string Server, string Database, params string[] Path)
{
    public const string MongoDb = "mongodb";
    public const string MySql = "mysql";
    public const string PostgreSql = "postgresql";
    public const string S3 = "s3";

    /// <summary>"mysql://db1:3306/organizations", "mongodb://db1:27017/towandgo/links": how a target is shown and matched.</summary>
    public override string ToString() => $"{Kind}://{Server}/{string.Join('/', Path.Prepend(Database))}";

    public bool Equals(SyncEndpoint? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>"host:port" in lower case.</summary>
    public static string ServerOf(string host, long port) => $"{host.ToLowerInvariant()}:{port}";
}
