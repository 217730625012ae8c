using System.Diagnostics;

namespace SyncTools.Mongo.Tests.Reference;

/// <summary>Runs a script of this folder under node with the official bson and mongodb npm packages at hand.</summary>
public static class NodeReference
{
    /// <returns>The script's standard output.</returns>
    public static string Run(string script, params string[] arguments)
    {
        var path = Path.Combine(TestServices.RepositoryRoot, "tests", "SyncTools.Mongo.Tests", "Reference", script);
        var start = new ProcessStartInfo("node", [path, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SYNCTOOLS_TEST_NODE_MODULES"] = TestServices.NodeModules;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"node {script} failed: {stderr}");
        return stdout.Result;
    }
}
