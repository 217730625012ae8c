using System.Reflection;
using System.Runtime.InteropServices;

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
        Cmdlets = Module.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttributesData().Any(a => a.AttributeType.Name == "CmdletAttribute"))
            .OrderBy(t => t.Name)
            .ToList();
    }

    public Assembly Module { get; }

    public Assembly Core { get; }

    public Assembly Automation { get; }

    public IReadOnlyList<Type> Cmdlets { get; }

    public static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == name);

    public static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberInfo: not null } arg ? arg.TypedValue.Value : null;

    public static string CmdletName(Type cmdlet)
    {
        var attribute = Attribute(cmdlet, "CmdletAttribute")!;
        return $"{attribute.ConstructorArguments[0].Value}-{attribute.ConstructorArguments[1].Value}";
    }

    /// <summary>The cmdlet's parameters: public properties with [Parameter].</summary>
    public static IEnumerable<PropertyInfo> Parameters(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => Attribute(p, "ParameterAttribute") is not null);

    /// <summary>The output types named by [OutputType].</summary>
    public static IEnumerable<Type> OutputTypes(Type cmdlet) =>
        Attributes(cmdlet, "OutputTypeAttribute").SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [arg.Value])
            .OfType<Type>();

    public void Dispose() => _context.Dispose();
}
