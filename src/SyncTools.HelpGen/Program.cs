using System.Reflection;
using System.Runtime.InteropServices;
using SyncTools.HelpGen;

// Usage: SyncTools.HelpGen <cmdlet assembly> <System.Management.Automation reference assembly> <output .dll-Help.xml>
// The cmdlet assembly's folder supplies its dependencies and the .xml documentation files beside them.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: SyncTools.HelpGen <cmdlet assembly> <System.Management.Automation reference assembly> <output .dll-Help.xml>");
    return 2;
}

var (assemblyPath, automationPath, outputPath) = (Path.GetFullPath(args[0]), Path.GetFullPath(args[1]), Path.GetFullPath(args[2]));
var folder = Path.GetDirectoryName(assemblyPath)!;
var dependencies = Directory.GetFiles(folder, "*.dll", SearchOption.AllDirectories)
    .Where(f => !Path.GetRelativePath(folder, f).StartsWith("runtimes", StringComparison.Ordinal)) // platform-specific copies
    .ToList();
var resolver = new PathAssemblyResolver(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
    .Concat(dependencies.Where(f => !Path.GetFileName(f).StartsWith("System.", StringComparison.Ordinal)))
    .Append(automationPath));
using var context = new MetadataLoadContext(resolver, "System.Private.CoreLib");
var module = context.LoadFromAssemblyPath(assemblyPath);
var docs = new XmlDocs(dependencies);
var commands = CmdletReflection.Cmdlets(module).Select(c => CommandHelp.From(c, docs)).ToList();
Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
MamlWriter.Write(commands).Save(outputPath);
Console.WriteLine($"{commands.Count} commands' help written to {outputPath}");
return 0;
