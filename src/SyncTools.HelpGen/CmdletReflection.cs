using System.Reflection;

namespace SyncTools.HelpGen;

/// <summary>Reads cmdlet metadata through <see cref="CustomAttributeData"/>, so the assembly is never executed.</summary>
public static class CmdletReflection
{
    public static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == name);

    public static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberInfo: not null } arg ? arg.TypedValue.Value : null;

    /// <summary>The exported, non-abstract types with [Cmdlet], by name.</summary>
    public static IReadOnlyList<Type> Cmdlets(Assembly assembly) =>
        assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && Attribute(t, "CmdletAttribute") is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

    public static string CmdletName(Type cmdlet)
    {
        var attribute = Attribute(cmdlet, "CmdletAttribute")!;
        return $"{attribute.ConstructorArguments[0].Value}-{attribute.ConstructorArguments[1].Value}";
    }

    /// <summary>The cmdlet's parameters: public properties with [Parameter].</summary>
    public static IEnumerable<PropertyInfo> Parameters(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => Attribute(p, "ParameterAttribute") is not null);

    /// <summary>The names [Alias] gives a parameter.</summary>
    public static IEnumerable<string> Aliases(PropertyInfo parameter) =>
        Attributes(parameter, "AliasAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(arg => (IEnumerable<CustomAttributeTypedArgument>)arg.Value!))
            .Select(v => (string)v.Value!);

    /// <summary>The output types named by [OutputType].</summary>
    public static IEnumerable<Type> OutputTypes(Type cmdlet) =>
        Attributes(cmdlet, "OutputTypeAttribute").SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [arg.Value])
            .OfType<Type>();

    public static bool SupportsShouldProcess(Type cmdlet) => Named(Attribute(cmdlet, "CmdletAttribute")!, "SupportsShouldProcess") is true;
}
