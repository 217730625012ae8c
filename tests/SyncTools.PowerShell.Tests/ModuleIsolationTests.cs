using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace SyncTools.PowerShell.Tests;

/// <summary>
/// The engine and its libraries load in their own context, so another module's copy of one of them, at another
/// version, neither blocks nor replaces ours, whichever loads first. Each order runs in a process of its own
/// (tests/IsolationProbe) against the assembled module and the test S3 server.
/// </summary>
[Collection(AssembledModuleCollection.Name)]
public sealed class ModuleIsolationTests(AssembledModule module) : IClassFixture<CmdletMetadata>
{
    private const string OtherAwsCore = "4.0.3.3"; // tests/IsolationProbe's OtherAwsCoreVersion
    private const string OtherMongo = "2.30.0"; // tests/IsolationProbe's OtherMongoVersion

    [Theory]
    [InlineData("other-first", 1)]
    [InlineData("module-first", 2)]
    public void The_engine_runs_on_its_own_AWSSDK_Core_and_MongoDB_Driver_beside_other_versions(string order, int engineCalls)
    {
        var probe = Path.Combine(TestServices.RepositoryRoot, "tests", "IsolationProbe", "bin", AssembledModule.Configuration, Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)), "SyncTools.IsolationProbe.dll");
        var (exitCode, output) = AssembledModule.Run("dotnet", probe, module.Folder, order, TestServices.S3Endpoint, TestServices.Mongo);

        Assert.True(exitCode == 0, output);
        Assert.Equal(engineCalls, Regex.Matches(output, "engine call: bucket \\S+ created and listed").Count);
        var ours = FileVersionInfo.GetVersionInfo(Path.Combine(module.Folder, "dependencies", "AWSSDK.Core.dll")).FileVersion;
        Assert.NotEqual(OtherAwsCore, ours);
        Assert.Contains($"AWSSDK.Core {OtherAwsCore} in Default", output);
        Assert.Contains($"AWSSDK.Core {ours} in SyncTools.Engine", output);
        Assert.Equal(engineCalls, Regex.Matches(output, "engine call: database \\S+ dropped").Count);
        foreach (var library in new[] { "MongoDB.Bson", "MongoDB.Driver" })
        {
            var engines = FileVersionInfo.GetVersionInfo(Path.Combine(module.Folder, "dependencies", library + ".dll")).FileVersion;
            Assert.StartsWith("3.", engines);
            Assert.Matches($"{Regex.Escape(library)} {Regex.Escape(OtherMongo)}[.0-9]* in Default", output);
            Assert.Contains($"{library} {engines} in SyncTools.Engine", output);
        }
    }

    [Fact]
    public void Only_the_cmdlet_assembly_sits_in_the_module_root()
    {
        Assert.Equal(["SyncTools.dll"], module.Files.Where(f => !f.Contains('/') && f.EndsWith(".dll", StringComparison.Ordinal)));
        Assert.Contains("dependencies/SyncTools.Core.dll", module.Files);
        Assert.Contains("dependencies/MongoDB.Driver.dll", module.Files);
        Assert.Contains("dependencies/MySqlConnector.dll", module.Files);
        Assert.Contains("dependencies/AWSSDK.Core.dll", module.Files);
        Assert.Contains("dependencies/Npgsql.dll", module.Files);
    }

    /// <summary>
    /// PowerShell loads every exported type of the cmdlet assembly before the module initializer sets up the engine's
    /// context, so loading them must need nothing from the engine: no engine base type or interface, no engine value
    /// type in a field, no engine type in a generic method's constraints. The engine's types may appear in method
    /// bodies and signatures only.
    /// </summary>
    [Fact]
    public void Loading_the_exported_types_needs_nothing_from_the_engine()
    {
        using var metadata = new CmdletMetadata();
        var engine = new HashSet<string>(module.Files.Where(f => f.StartsWith("dependencies/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal))
            .Select(f => Path.GetFileNameWithoutExtension(f)));
        var needs = metadata.Module.GetExportedTypes().SelectMany(type => TypeLoadNeeds(type)
            .Where(t => engine.Contains(t.Assembly.GetName().Name!))
            .Select(t => $"{type.Name} needs {t.FullName}")).ToList();

        Assert.Empty(needs);
    }

    private static IEnumerable<Type> TypeLoadNeeds(Type type)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        for (var t = type.BaseType; t is not null; t = t.BaseType) yield return t;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var field in type.GetFields(declared).Where(f => f.FieldType.IsValueType)) yield return field.FieldType;
        foreach (var method in type.GetMethods(declared).Where(m => m.IsGenericMethodDefinition))
        {
            foreach (var constraint in method.GetGenericArguments().SelectMany(a => a.GetGenericParameterConstraints())) yield return constraint;
        }
    }
}
