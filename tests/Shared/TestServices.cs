namespace SyncTools.Tests;

/// <summary>
/// The servers started by tests/services/services.sh, found through the environment it prints.
/// A missing variable fails the test that needs it: integration tests never pass silently without their server.
/// </summary>
public static class TestServices
{
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    public static string S3Endpoint => Require("SYNCTOOLS_TEST_S3");

    public static string Mongo => Require("SYNCTOOLS_TEST_MONGO");

    public static string MySql => Require("SYNCTOOLS_TEST_MYSQL");

    public static string Postgres => Require("SYNCTOOLS_TEST_PG");

    /// <summary>node_modules holding the official bson and mongodb npm packages, the reference implementation.</summary>
    public static string NodeModules => Require("SYNCTOOLS_TEST_NODE_MODULES");

    public static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: start the test services with `eval \"$(tests/services/services.sh start)\"` or run tests/run.sh.");

    /// <summary>A name unique to this test run, lowercase, for buckets, databases and collections.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    /// <summary>The repository's root: the folder above the test output that holds SyncTools.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SyncTools.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("SyncTools.sln not found above the test output.");
        }
    }
}
