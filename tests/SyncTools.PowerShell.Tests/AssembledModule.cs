namespace SyncTools.PowerShell.Tests;

/// <summary>
/// The module as users get it: `dotnet publish -p:PackModule=true` of the built cmdlet project into a folder of this
/// test run, giving the module folder (manifest, cmdlet assembly, dependencies/, help) and its .nupkg.
/// </summary>
public sealed class AssembledModule : IDisposable
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"synctools-module-{Guid.NewGuid():N}");

    public AssembledModule()
    {
        Folder = Path.Combine(_root, "SyncTools", "module");
        var (exitCode, output) = Publish(_root);
        if (exitCode != 0) throw new InvalidOperationException($"dotnet publish failed ({exitCode}):\n{output}");
        Package = Directory.GetFiles(Path.Combine(_root, "packages"), "*.nupkg").Single();
    }

    /// <summary>Publishes and packs the module under <paramref name="root"/> (SyncTools/module/, packages/), with any further MSBuild properties.</summary>
    public static (int ExitCode, string Output) Publish(string root, params string[] properties) =>
        Run("dotnet", ["publish", Path.Combine(TestServices.RepositoryRoot, "src", "SyncTools.PowerShell"), "-c", Configuration, "--no-build", "-nologo",
            "-p:PackModule=true", $"-p:ModuleOutputDir={Path.Combine(root, "SyncTools", "module")}/", $"-p:ModulePackageDir={Path.Combine(root, "packages")}/",
            .. properties.Select(p => $"-p:{p}")]);

    /// <summary>The module folder: what Import-Module loads.</summary>
    public string Folder { get; }

    public string Package { get; }

    /// <summary>Every file in the module folder, relative, with forward slashes.</summary>
    public IReadOnlyList<string> Files =>
        Directory.GetFiles(Folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

    /// <summary>Runs a program; its output and error text together.</summary>
    public static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var (exitCode, output, error) = TestProcess.Run(file, arguments);
        return (exitCode, output + error);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class AssembledModuleCollection : ICollectionFixture<AssembledModule>
{
    public const string Name = "assembled module";
}
