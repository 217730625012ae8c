using System.Management.Automation;
using SyncTools.Core.MongoDb;

namespace SyncTools.PowerShell;

/// <summary>
/// Runs when the module is imported, before any cmdlet: sets up the engine's load context; and when it is removed:
/// closes the session's MongoDB clients (one per connection string, kept for the session).
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => EngineLoadContext.Install(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!);

    public void OnRemove(PSModuleInfo psModuleInfo) => MongoEndpoint.CloseAll();
}
