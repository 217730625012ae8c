using SyncTools.Core.Status;

namespace SyncTools.Core.Tests.Support;

/// <summary>A source and a target for journal entries whose servers no test counts in.</summary>
public static class TestEndpoints
{
    public static readonly SyncEndpoint Source = new("test", "source.invalid:1", "db", "s");

    public static readonly SyncEndpoint Target = new("test", "target.invalid:1", "db", "t");
}
