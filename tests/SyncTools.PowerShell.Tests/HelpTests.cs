using System.Text.RegularExpressions;
using System.Xml.Linq;
using static SyncTools.HelpGen.CmdletReflection;

namespace SyncTools.PowerShell.Tests;

/// <summary>The help the module ships (en-US/SyncTools.dll-Help.xml, generated; about_SyncTools) covers every cmdlet.</summary>
[Collection(AssembledModuleCollection.Name)]
public sealed partial class HelpTests(AssembledModule module, CmdletMetadata metadata) : IClassFixture<CmdletMetadata>
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly string[] CommonParameters =
    [
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    ];

    private XDocument Maml_ => XDocument.Load(Path.Combine(module.Folder, "en-US", "SyncTools.dll-Help.xml"));

    [Theory]
    [MemberData(nameof(CmdletContractTests.CmdletNames), MemberType = typeof(CmdletContractTests))]
    public void Has_a_synopsis_a_description_inputs_outputs_and_two_examples(string name)
    {
        var help = Help(name);

        Assert.NotEmpty(Text(help.Element(Command + "details")!.Element(Maml + "description")));
        Assert.True(Text(help.Element(Maml + "description")).Length > 100, $"{name} has too short a description");
        Assert.NotEmpty(help.Element(Command + "inputTypes")!.Elements());
        var outputs = help.Element(Command + "returnValues")!.Descendants(Dev + "type").Select(t => (string)t.Element(Maml + "name")!).ToList();
        Assert.Equal(OutputTypes(Cmdlet(name)).Select(t => t.FullName).Order(), outputs.Order());
        var examples = help.Descendants(Command + "example").ToList();
        Assert.True(examples.Count >= 2, $"{name} has {examples.Count} examples");
        Assert.All(examples, e =>
        {
            Assert.Contains(name, (string)e.Element(Dev + "code")!);
            Assert.NotEmpty(Text(e.Element(Dev + "remarks")));
        });
    }

    [Theory]
    [MemberData(nameof(CmdletContractTests.CmdletNames), MemberType = typeof(CmdletContractTests))]
    public void Describes_every_parameter(string name)
    {
        var described = Help(name).Element(Command + "parameters")!.Elements(Command + "parameter")
            .ToDictionary(p => (string)p.Element(Maml + "name")!, p => Text(p.Element(Maml + "description")));
        var expected = Parameters(Cmdlet(name)).Select(p => p.Name).Concat(SupportsShouldProcess(Cmdlet(name)) ? ["WhatIf", "Confirm"] : []);

        Assert.All(expected, p => Assert.True(described.GetValueOrDefault(p) is { Length: > 10 }, $"{name} -{p} has no help text"));
        Assert.Equal(expected.Order(), described.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(CmdletContractTests.CmdletNames), MemberType = typeof(CmdletContractTests))]
    public void Examples_name_only_parameters_that_exist(string name)
    {
        foreach (var code in Help(name).Descendants(Dev + "code").Select(c => (string)c))
        {
            foreach (var (cmdlet, parameter) in ParametersUsed(code))
            {
                var names = Parameters(Cmdlet(cmdlet)).SelectMany(p => Aliases(p).Append(p.Name))
                    .Concat(CommonParameters).Concat(SupportsShouldProcess(Cmdlet(cmdlet)) ? ["WhatIf", "Confirm"] : []);
                Assert.True(names.Contains(parameter, StringComparer.OrdinalIgnoreCase), $"an example of {name} gives {cmdlet} -{parameter}, which it does not have:\n{code}");
            }
        }
    }

    [Theory]
    [InlineData(@"Send-TowAndGoData\b[^\n|]*(\n[^\n|]*)?\|\s*Sync-TowAndGoToMongo")]
    [InlineData(@"Invoke-OrgSync\b[^|\n]*\|\s*Get-SyncStatus")]
    [InlineData(@"Get-SyncStatus -Unhealthy\b[^|\n]*\|\s*Export-Csv")]
    public void The_missions_pipelines_are_among_the_examples(string pipeline) =>
        Assert.Contains(Maml_.Descendants(Dev + "code"), c => Regex.IsMatch((string)c, pipeline));

    [Theory]
    [InlineData("ENVIRONMENT VARIABLES")]
    [InlineData("CONFIGURATION")]
    [InlineData("THE RUN JOURNAL")]
    [InlineData("DELIVERY GUARANTEES")]
    [InlineData("LOADING BESIDE OTHER MODULES")]
    public void About_SyncTools_has_its_sections(string heading) =>
        Assert.Matches($"(?m)^{heading}$", File.ReadAllText(Path.Combine(module.Folder, "en-US", "about_SyncTools.help.txt")));

    [Fact]
    public void About_SyncTools_names_every_environment_variable_the_help_mentions()
    {
        var about = File.ReadAllText(Path.Combine(module.Folder, "en-US", "about_SyncTools.help.txt"));
        var mentioned = Regex.Matches(Maml_.ToString(), @"\$env:(\w+)").Select(m => m.Groups[1].Value).Distinct();

        Assert.All(mentioned, variable => Assert.Contains(variable, about));
    }

    /// <summary>Each SyncTools cmdlet in the code, with every -Name after it in its pipeline segment (quoted text and parenthesised sub-expressions aside).</summary>
    private IEnumerable<(string Cmdlet, string Parameter)> ParametersUsed(string code)
    {
        var plain = QuotedText().Replace(code, "''");
        while (SubExpression().IsMatch(plain)) plain = SubExpression().Replace(plain, " ");
        foreach (var segment in plain.Split('|', '\n', ';'))
        {
            var words = segment.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var cmdlet = words.FirstOrDefault(w => metadata.Cmdlets.Any(c => CmdletName(c) == w));
            if (cmdlet is null) continue;
            foreach (var word in words.SkipWhile(w => w != cmdlet).Where(w => w.StartsWith('-') && w.Length > 1 && char.IsLetter(w[1])))
            {
                yield return (cmdlet, word[1..].TrimEnd(':'));
            }
        }
    }

    private XElement Help(string name) =>
        Maml_.Descendants(Command + "command").SingleOrDefault(c => (string)c.Element(Command + "details")!.Element(Command + "name")! == name)
        ?? throw new Xunit.Sdk.XunitException($"no help for {name}");

    private Type Cmdlet(string name) => metadata.Cmdlets.Single(c => CmdletName(c) == name);

    private static string Text(XElement? element) => element?.Value.Trim() ?? "";

    [GeneratedRegex("\"[^\"]*\"|'[^']*'")]
    private static partial Regex QuotedText();

    [GeneratedRegex(@"\([^()]*\)")]
    private static partial Regex SubExpression();
}
