using System.Reflection;
using System.Runtime.InteropServices;
using SyncTools.HelpGen;

namespace SyncTools.PowerShell.Tests;

/// <summary>The cmdlet assembly loaded as metadata only, with the PowerShell reference assembly beside it.</summary>
public sealed class CmdletMetadata : IDisposable
{
    private readonly MetadataLoadContext _context;

    public CmdletMetadata()
    {
        var here = AppContext.BaseDirectory;
        var assemblies = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(here, "*.dll").Where(f => !Path.GetFileName(f).StartsWith("System.", StringComparison.Ordinal)))
            .Append(Path.Combine(here, "ref", "System.Management.Automation.dll"));
        _context = new MetadataLoadContext(new PathAssemblyResolver(assemblies), "System.Private.CoreLib");
        Module = _context.LoadFromAssemblyPath(Path.Combine(here, "SyncTools.dll"));
        Core = _context.LoadFromAssemblyName("SyncTools.Core");
        Automation = _context.LoadFromAssemblyName("System.Management.Automation");
        Cmdlets = CmdletReflection.Cmdlets(Module);
    }

    public Assembly Module { get; }

    public Assembly Core { get; }

    public Assembly Automation { get; }

    public IReadOnlyList<Type> Cmdlets { get; }

    public void Dispose() => _context.Dispose();
}
