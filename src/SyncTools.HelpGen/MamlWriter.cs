using System.Xml.Linq;

namespace SyncTools.HelpGen;

/// <summary>Writes <see cref="CommandHelp"/> as the MAML that Get-Help reads from a binary module's *.dll-Help.xml.</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Write(IEnumerable<CommandHelp> commands) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(Command_)));

    private static XElement Command_(CommandHelp help) =>
        new(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", help.Name),
                Description([help.Synopsis]),
                new XElement(Command + "verb", help.Verb),
                new XElement(Command + "noun", help.Noun)),
            Description(help.Description),
            new XElement(Command + "syntax", help.ParameterSets.Select(set => SyntaxItem(help, set))),
            new XElement(Command + "parameters", help.Parameters.Select(p => Parameter(p, p.Uses[0]))),
            new XElement(Command + "inputTypes", Types(help.Inputs).Select(t => new XElement(Command + "inputType", t))),
            new XElement(Command + "returnValues", Types(help.Outputs).Select(t => new XElement(Command + "returnValue", t))),
            new XElement(Command + "examples", help.Examples.Select(Example)),
            new XElement(Maml + "relatedLinks",
                new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", "about_SyncTools"), new XElement(Maml + "uri"))));

    private static XElement SyntaxItem(CommandHelp help, string set) =>
        new(Command + "syntaxItem",
            new XElement(Maml + "name", help.Name),
            help.Parameters.Where(p => p.InSet(set))
                .OrderBy(p => p.UseIn(set).Position ?? int.MaxValue)
                .Select(p => Parameter(p, p.UseIn(set), inSyntax: true)));

    private static XElement Parameter(ParameterHelp parameter, ParameterUse use, bool inSyntax = false) =>
        new(Command + "parameter",
            new XAttribute("required", use.Mandatory ? "true" : "false"),
            new XAttribute("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", "false"),
            new XAttribute("pipelineInput", parameter.PipelineInput),
            new XAttribute("position", use.Position is { } position ? position.ToString() : "named"),
            new XAttribute("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none"),
            new XElement(Maml + "name", parameter.Name),
            inSyntax ? null : Description([parameter.Description]),
            parameter.IsSwitch ? null : new XElement(Command + "parameterValue", new XAttribute("required", "true"), parameter.ShortTypeName),
            inSyntax ? null : new XElement(Dev + "type", new XElement(Maml + "name", parameter.TypeName)),
            inSyntax ? null : new XElement(Dev + "defaultValue", parameter.DefaultValue));

    private static IEnumerable<XElement[]> Types(IReadOnlyList<TypeHelp> types) =>
        (types.Count > 0 ? types : [new TypeHelp("None", "")]).Select(t => new[]
        {
            new XElement(Dev + "type", new XElement(Maml + "name", t.TypeName)),
            Description([t.Description]),
        });

    private static XElement Example(ExampleHelp example) =>
        new(Command + "example",
            new XElement(Maml + "title", $"-------------------------- {example.Title} --------------------------"),
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", example.Remarks.Select(Para)));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Maml + "description", paragraphs.Select(Para));

    private static XElement Para(string text) => new(Maml + "para", text);
}
