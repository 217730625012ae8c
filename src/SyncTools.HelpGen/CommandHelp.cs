using System.Reflection;
using System.Xml.Linq;
using static SyncTools.HelpGen.CmdletReflection;

namespace SyncTools.HelpGen;

/// <summary>One parameter's help, from its [Parameter] attributes and its documentation comment.</summary>
/// <param name="TypeName">The value's type, full name; Nullable&lt;int&gt; shows as System.Int32.</param>
public sealed record ParameterHelp(
    string Name,
    string TypeName,
    string Description,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<ParameterUse> Uses)
{
    private const string SwitchTypeName = "System.Management.Automation.SwitchParameter";

    public bool IsSwitch => TypeName == SwitchTypeName;

    /// <summary>
    /// The default the description states ("...; default 5000, at most 100000." gives "5000"), for Get-Help's
    /// "Default value": property initialisers are not in the metadata, so the documentation comment is the source.
    /// A switch is False; a parameter whose description names no default has none ("None").
    /// </summary>
    public string DefaultValue =>
        IsSwitch ? "False"
        : System.Text.RegularExpressions.Regex.Match(Description, @"(?:^|[;(.] )[Dd]efault (?:is )?(?<value>.+?)(?:[,;]| \(|\.(?: |$)|$)") is { Success: true } m ? m.Groups["value"].Value
        : "None";

    /// <summary>The type's own name, as syntax lines show it: String[], Int32, SwitchParameter.</summary>
    public string ShortTypeName => TypeName[(TypeName.LastIndexOf('.') + 1)..];

    /// <summary>-WhatIf or -Confirm, which PowerShell adds to a cmdlet that supports ShouldProcess.</summary>
    public static ParameterHelp Risk(string name, string alias, string description) =>
        new(name, SwitchTypeName, description, [alias], [new ParameterUse(CommandHelp.AllSets, false, null, false, false)]);

    public bool InSet(string set) => Uses.Any(u => u.Set == set || u.Set == CommandHelp.AllSets);

    public ParameterUse UseIn(string set) => Uses.FirstOrDefault(u => u.Set == set) ?? Uses.First(u => u.Set == CommandHelp.AllSets);

    public string PipelineInput =>
        (Uses.Any(u => u.ByValue), Uses.Any(u => u.ByPropertyName)) switch
        {
            (true, true) => "True (ByValue, ByPropertyName)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
}

/// <summary>How a parameter takes part in one parameter set.</summary>
public sealed record ParameterUse(string Set, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

public sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

public sealed record TypeHelp(string TypeName, string Description);

/// <summary>A cmdlet's whole help: what Get-Help -Full shows, gathered from metadata and documentation comments.</summary>
public sealed record CommandHelp(
    string Name,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<ExampleHelp> Examples)
{
    public const string AllSets = "__AllParameterSets";

    public string Verb => Name[..Name.IndexOf('-')];

    public string Noun => Name[(Name.IndexOf('-') + 1)..];

    public static CommandHelp From(Type cmdlet, XmlDocs docs)
    {
        var doc = docs.Of(cmdlet);
        var parameters = CmdletReflection.Parameters(cmdlet).Select(p => Parameter(p, docs)).ToList();
        if (SupportsShouldProcess(cmdlet))
        {
            parameters.Add(ParameterHelp.Risk("WhatIf", "wi", "Shows what the command would do without doing it: it validates its inputs and reads what it needs, and writes nothing."));
            parameters.Add(ParameterHelp.Risk("Confirm", "cf", "Asks for confirmation before the job writes."));
        }

        var sets = parameters.SelectMany(p => p.Uses).Select(u => u.Set).Where(s => s != AllSets).Distinct().ToList();
        return new CommandHelp(
            CmdletName(cmdlet),
            XmlDocs.Text(doc?.Element("summary")),
            XmlDocs.Paragraphs(doc?.Element("remarks")),
            parameters,
            sets.Count > 0 ? sets : [AllSets],
            parameters.Where(p => p.PipelineInput != "False").Select(p => new TypeHelp(p.TypeName, $"-{p.Name} ({p.PipelineInput[6..^1]}): {p.Description}")).ToList(),
            OutputTypes(cmdlet).Select(t => new TypeHelp(t.FullName!, XmlDocs.Text(docs.Of(t)?.Element("summary")))).ToList(),
            doc?.Elements("example").Select((e, i) => Example(e, i + 1)).ToList() ?? []);
    }

    private static ParameterHelp Parameter(PropertyInfo property, XmlDocs docs)
    {
        var type = property.PropertyType;
        var valueType = type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;
        var description = XmlDocs.Text(docs.Of(property)?.Element("summary"));
        if (Attribute(property, "ValidateSetAttribute") is { } validateSet)
        {
            var values = validateSet.ConstructorArguments.SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.Value!).Select(v => v.Value);
            description += $" Accepted values: {string.Join(", ", values)}.";
        }
        else if ((valueType.IsArray ? valueType.GetElementType()! : valueType) is { IsEnum: true } enumType)
        {
            description += $" Accepted values: {string.Join(", ", enumType.GetEnumNames())}.";
        }

        var uses = Attributes(property, "ParameterAttribute").Select(a => new ParameterUse(
            Named(a, "ParameterSetName") as string ?? AllSets,
            Named(a, "Mandatory") is true,
            Named(a, "Position") is int position and >= 0 ? position : null,
            Named(a, "ValueFromPipeline") is true,
            Named(a, "ValueFromPipelineByPropertyName") is true)).ToList();
        return new ParameterHelp(property.Name, valueType.FullName!, description.Trim(), Aliases(property).ToList(), uses);
    }

    private static ExampleHelp Example(XElement example, int number) =>
        new($"Example {number}: {(string?)example.Attribute("title") ?? ""}".TrimEnd(' ', ':'),
            example.Element("code") is { } code ? XmlDocs.Code(code) : "",
            XmlDocs.Paragraphs(new XElement("remarks", example.Nodes().Where(n => n is not XElement { Name.LocalName: "code" }))));
}
