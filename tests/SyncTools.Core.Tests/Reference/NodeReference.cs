namespace SyncTools.Core.Tests.Reference;

/// <summary>Runs a script of this folder under node with the official bson and mongodb npm packages at hand.</summary>
public static class NodeReference
{
    /// <returns>The script's standard output.</returns>
    public static string Run(string script, params string[] arguments)
    {
        var path = Path.Combine(TestServices.RepositoryRoot, "tests", "SyncTools.Core.Tests", "Reference", script);
        var (exitCode, output, error) = TestProcess.Run("node", [path, .. arguments], new Dictionary<string, string> { ["SYNCTOOLS_TEST_NODE_MODULES"] = TestServices.NodeModules });
        Assert.True(exitCode == 0, $"node {script} failed: {error}");
        return output;
    }
}
