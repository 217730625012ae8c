using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SyncTools.HelpGen;

/// <summary>The XML documentation files the compiler wrote beside the assemblies, by member id.</summary>
public sealed partial class XmlDocs
{
    private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);

    /// <summary>Reads the .xml documentation beside each assembly that has one.</summary>
    public XmlDocs(IEnumerable<string> assemblyPaths)
    {
        foreach (var path in assemblyPaths.Select(p => Path.ChangeExtension(p, ".xml")).Where(File.Exists))
        {
            foreach (var member in XDocument.Load(path).Descendants("member"))
            {
                _members[(string)member.Attribute("name")!] = member;
            }
        }
    }

    public XElement? Of(Type type) => _members.GetValueOrDefault("T:" + type.FullName);

    public XElement? Of(PropertyInfo property) => _members.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    /// <summary>An element's text as paragraphs: each &lt;para&gt; one, the loose text around them another.</summary>
    public static IReadOnlyList<string> Paragraphs(XElement? element)
    {
        if (element is null) return [];
        var paragraphs = new List<string>();
        var loose = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            if (node is XElement { Name.LocalName: "para" } para)
            {
                Flush();
                paragraphs.Add(Text(para));
            }
            else
            {
                loose.Append(Text(node));
            }
        }

        Flush();
        return paragraphs.Where(p => p.Length > 0).ToList();

        void Flush()
        {
            paragraphs.Add(Whitespace().Replace(loose.ToString(), " ").Trim());
            loose.Clear();
        }
    }

    /// <summary>One line of text: references become their names, code its content, whitespace one space.</summary>
    public static string Text(XNode? node) => node switch
    {
        null => "",
        XText text => Whitespace().Replace(text.Value, " "),
        XElement { Name.LocalName: "see" or "seealso" } see => (string?)see.Attribute("langword") ?? Name((string?)see.Attribute("cref")),
        XElement { Name.LocalName: "paramref" or "typeparamref" } reference => (string?)reference.Attribute("name") ?? "",
        XElement element => Whitespace().Replace(string.Concat(element.Nodes().Select(Text)), " ").Trim(),
        _ => "",
    };

    /// <summary>A code block's lines, with the comment's common indentation removed.</summary>
    public static string Code(XElement code)
    {
        var lines = code.Value.Replace("\r", "").Split('\n').SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    private static string Name(string? cref) => cref is null ? "" : cref[(cref.LastIndexOf('.') + 1)..];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
