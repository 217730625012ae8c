using System.Reflection;
using System.Runtime.Loader;

namespace SyncTools.PowerShell;

/// <summary>
/// The load context of the module's engine. SyncTools.Core and every library it uses (AWS SDK, MongoDB.Driver,
/// Npgsql, MySqlConnector, Polly, ...) load from the module's <c>dependencies</c> folder into this context, so that
/// another module's copy of one of those libraries in the default context, at any version, neither blocks ours nor
/// replaces it. Only the cmdlet assembly lives in the default context: the first time it needs an engine assembly,
/// the default context's Resolving event hands that over from here. What the engine's folder lacks (the runtime,
/// PowerShell itself) comes from the default context, shared. Being in the default context, the cmdlet assembly
/// loads once per session: one version of SyncTools per session.
/// </summary>
public sealed class EngineLoadContext : AssemblyLoadContext
{
    /// <summary>The module's folder of engine assemblies, beside the cmdlet assembly.</summary>
    public const string DependencyFolder = "dependencies";

    private const string EnginePrefix = "SyncTools.";
    private static readonly object Gate = new();
    private static EngineLoadContext? s_engine;
    private readonly string _directory;

    private EngineLoadContext(string directory)
        : base("SyncTools.Engine") => _directory = directory;

    /// <summary>
    /// The engine's context for the module in <paramref name="moduleDirectory"/>, created and wired to the default
    /// context on the first call; later calls return the same context.
    /// </summary>
    public static EngineLoadContext Install(string moduleDirectory)
    {
        lock (Gate)
        {
            if (s_engine is null)
            {
                s_engine = new EngineLoadContext(Path.Combine(moduleDirectory, DependencyFolder));
                Default.Resolving += ResolveEngine;
            }

            return s_engine;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName) =>
        Locate(assemblyName.Name + ".dll") is { } path ? LoadFromAssemblyPath(path) : null;

    /// <summary>The engine's copy of an assembly: on Windows a Windows-only build of it first (runtimes/win), as publish lays them out.</summary>
    private string? Locate(string fileName)
    {
        var windowsBuilds = Path.Combine(_directory, "runtimes", "win", "lib");
        var candidates = OperatingSystem.IsWindows() && Directory.Exists(windowsBuilds)
            ? Directory.EnumerateDirectories(windowsBuilds).Select(d => Path.Combine(d, fileName))
            : [];
        return candidates.Append(Path.Combine(_directory, fileName)).FirstOrDefault(File.Exists);
    }

    /// <summary>Hands the engine's own assemblies, and only those, to the cmdlet assembly in the default context.</summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName assemblyName) =>
        assemblyName.Name is { } name && name.StartsWith(EnginePrefix, StringComparison.Ordinal) && s_engine is { } engine
        && engine.Locate(name + ".dll") is not null
            ? engine.LoadFromAssemblyName(assemblyName)
            : null;
}
