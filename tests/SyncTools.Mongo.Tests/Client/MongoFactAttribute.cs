using Xunit.Abstractions;
using Xunit.Sdk;

namespace SyncTools.Mongo.Tests.Client;

/// <summary>
/// A fact that runs against the server of its test class: always for CongoDB, and for a real MongoDB only when
/// SYNCTOOLS_TEST_REAL_MONGO holds a mongodb:// URI, else it is reported as skipped.
/// </summary>
[XunitTestCaseDiscoverer("SyncTools.Mongo.Tests.Client.MongoFactDiscoverer", "SyncTools.Mongo.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class MongoFactAttribute : FactAttribute
{
}

public sealed class MongoFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new MongoTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A test case that skips itself when its class needs a real MongoDB and none is given.</summary>
public sealed class MongoTestCase : XunitTestCase
{
    [Obsolete("For xunit's deserialization only.")]
    public MongoTestCase()
    {
    }

    public MongoTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(sink, display, options, method)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethod.TestClass.Class.Name.EndsWith(nameof(RealMongoClientTests), StringComparison.Ordinal)
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RealMongoClientTests.Variable))
            ? $"{RealMongoClientTests.Variable} is not set: no real MongoDB to run against."
            : base.GetSkipReason(factAttribute);
}

/// <summary>The client's contract against the CongoDB wire server started by tests/services.</summary>
public sealed class CongoDbClientTests() : MongoClientContract(TestServices.Mongo, keepsTypes: false);

/// <summary>The same contract against a real MongoDB, when one is given.</summary>
public sealed class RealMongoClientTests() : MongoClientContract(Environment.GetEnvironmentVariable(Variable) ?? "mongodb://unset", keepsTypes: true)
{
    public const string Variable = "SYNCTOOLS_TEST_REAL_MONGO";
}
