namespace SyncTools.Core.Tests.Support;

/// <summary>
/// The servers started by tests/services/services.sh, found through the environment it prints.
/// A missing variable fails the test that needs it: integration tests never pass silently without their server.
/// </summary>
public static class TestServices
{
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    public static string S3Endpoint => Require("SYNCTOOLS_TEST_S3");

    public static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: start the test services with `eval \"$(tests/services/services.sh start)\"` or run tests/run.sh.");

    /// <summary>A name unique to this test run, lowercase, for buckets, databases and collections.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
}
