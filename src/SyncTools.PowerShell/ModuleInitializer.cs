using System.Management.Automation;

namespace SyncTools.PowerShell;

/// <summary>Runs when the module is imported, before any cmdlet: sets up the engine's load context.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => EngineLoadContext.Install(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!);
}
