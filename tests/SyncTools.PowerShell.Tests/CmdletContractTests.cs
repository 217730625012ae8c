using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static SyncTools.HelpGen.CmdletReflection;

namespace SyncTools.PowerShell.Tests;

/// <summary>What every SyncTools cmdlet promises PowerShell users, checked on the compiled assembly's metadata.</summary>
public sealed class CmdletContractTests : IClassFixture<CmdletMetadata>
{
    /// <summary>The cmdlets that have landed, with their mandatory parameters per parameter set.</summary>
    private static readonly Dictionary<string, Dictionary<string, string[]>> Expected = new()
    {
        ["Send-TowAndGoData"] = new()
        {
            ["Path"] = ["Bucket", "Path"],
            ["Json"] = ["Bucket", "Json"],
            ["InputObject"] = ["Bucket", "InputObject"],
        },
        ["Sync-TowAndGoToMongo"] = new()
        {
            ["__AllParameterSets"] = ["Bucket", "Key"],
        },
        ["Invoke-OrgSync"] = new()
        {
            ["__AllParameterSets"] = [],
        },
        ["Update-ClusterId"] = new()
        {
            ["__AllParameterSets"] = [],
        },
        ["Start-FullSync"] = new()
        {
            ["__AllParameterSets"] = ["Table", "Collection"],
        },
        ["Start-ChangeSync"] = new()
        {
            ["__AllParameterSets"] = ["Table", "Collection"],
        },
        ["Get-SyncStatus"] = new()
        {
            ["__AllParameterSets"] = [],
        },
        ["Remove-SyncStatus"] = new()
        {
            ["__AllParameterSets"] = ["Target"],
        },
    };

    /// <summary>Cmdlets meant to chain: the upstream result's properties that bind by name to the downstream cmdlet.</summary>
    public static TheoryData<string, string, string[]> Chains => new()
    {
        { "Send-TowAndGoData", "Sync-TowAndGoToMongo", ["Bucket", "Key"] },
        { "Send-TowAndGoData", "Get-SyncStatus", ["Job", "RunId"] },
        { "Sync-TowAndGoToMongo", "Get-SyncStatus", ["Job", "RunId"] },
        { "Invoke-OrgSync", "Get-SyncStatus", ["Job", "RunId"] },
        { "Update-ClusterId", "Get-SyncStatus", ["Job", "RunId"] },
        { "Start-FullSync", "Get-SyncStatus", ["Job", "RunId"] },
        { "Start-ChangeSync", "Get-SyncStatus", ["Job", "RunId"] },
        { "Get-SyncStatus", "Get-SyncStatus", ["Job", "RunId"] },
        { "Get-SyncStatus", "Remove-SyncStatus", ["Job", "Target"] },
    };

    /// <summary>Types a flat, Export-Csv-ready result may expose (and enums, which Export-Csv writes by name).</summary>
    private static readonly string[] ScalarTypes =
    [
        "System.String", "System.Boolean", "System.Int32", "System.Int64", "System.Double", "System.Decimal",
        "System.DateTimeOffset", "System.TimeSpan", "System.Guid",
    ];

    private readonly CmdletMetadata _metadata;

    public CmdletContractTests(CmdletMetadata metadata) => _metadata = metadata;

    public static TheoryData<string> CmdletNames => new(Expected.Keys);

    private Type Cmdlet(string name) => _metadata.Cmdlets.Single(c => CmdletName(c) == name);

    /// <summary>T for Nullable&lt;T&gt;: an optional scalar is still a scalar.</summary>
    private static Type Unwrapped(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;

    [Fact]
    public void The_assembly_holds_exactly_the_expected_cmdlets()
    {
        Assert.Equal(Expected.Keys.Order(), _metadata.Cmdlets.Select(CmdletName).Order());
    }

    [Fact]
    public void The_manifest_exports_every_cmdlet_by_name_and_nothing_else()
    {
        var manifest = File.ReadAllText(Path.Combine(TestServices.RepositoryRoot, "SyncTools.psd1"));
        var list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value;
        var exported = Regex.Matches(list, "'([^']+)'").Select(m => m.Groups[1].Value);

        Assert.Equal(Expected.Keys.Order(), exported.Order());
        Assert.DoesNotContain("*", list);
    }

    [Fact]
    public void The_manifest_version_is_the_assembly_version()
    {
        var manifest = File.ReadAllText(Path.Combine(TestServices.RepositoryRoot, "SyncTools.psd1"));
        var version = Regex.Match(manifest, @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;

        Assert.Equal(version, _metadata.Module.GetName().Version!.ToString(3));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Uses_an_approved_verb_and_a_singular_noun(string name)
    {
        var approved = _metadata.Automation.GetExportedTypes()
            .Where(t => t.Name.StartsWith("Verbs", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet();
        var (verb, noun) = (name.Split('-')[0], name.Split('-')[1]);

        Assert.Contains(verb, approved);
        Assert.False(noun.EndsWith('s') && !noun.EndsWith("us", StringComparison.Ordinal), $"{noun} looks plural");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Declares_output_types_that_are_flat_job_results(string name)
    {
        var outputs = OutputTypes(Cmdlet(name)).ToList();

        Assert.NotEmpty(outputs);
        foreach (var output in outputs)
        {
            Assert.Contains(output.GetInterfaces(), i => i.FullName == "SyncTools.Core.Jobs.IJobResult");
            var properties = output.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            Assert.Equal(["Job", "RunId"], properties.Take(2).Select(p => p.Name));
            Assert.All(properties, p => Assert.True(Unwrapped(p.PropertyType) is var type && (type.IsEnum || ScalarTypes.Contains(type.FullName)), $"{output.Name}.{p.Name} is {p.PropertyType}, not a scalar"));
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Supports_WhatIf_and_Confirm_unless_it_only_reads(string name)
    {
        var attribute = Attribute(Cmdlet(name), "CmdletAttribute")!;
        var writes = !name.StartsWith("Get-", StringComparison.Ordinal);

        Assert.Equal(writes, Named(attribute, "SupportsShouldProcess") as bool? ?? false);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Has_the_expected_mandatory_parameters_in_each_set(string name)
    {
        var actual = new Dictionary<string, SortedSet<string>>();
        var shared = new SortedSet<string>();
        foreach (var parameter in Parameters(Cmdlet(name)))
        {
            foreach (var attribute in Attributes(parameter, "ParameterAttribute"))
            {
                if (Named(attribute, "Mandatory") is not true) continue;
                var set = Named(attribute, "ParameterSetName") as string ?? "__AllParameterSets";
                if (set == "__AllParameterSets") shared.Add(parameter.Name);
                else (actual.TryGetValue(set, out var names) ? names : actual[set] = []).Add(parameter.Name);
            }
        }

        var expected = Expected[name];
        var sets = actual.Count == 0 ? new Dictionary<string, SortedSet<string>> { ["__AllParameterSets"] = shared } : actual;
        Assert.Equal(expected.Keys.Order(), sets.Keys.Order());
        foreach (var (set, names) in sets)
        {
            names.UnionWith(shared);
            Assert.Equal(expected[set].Order(), names);
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Takes_secrets_only_as_PSCredential(string name)
    {
        foreach (var parameter in Parameters(Cmdlet(name)))
        {
            var looksSecret = Regex.IsMatch(parameter.Name, "Password|Secret|Credential|Token", RegexOptions.IgnoreCase);
            if (looksSecret)
            {
                Assert.Equal("System.Management.Automation.PSCredential", parameter.PropertyType.FullName);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Validates_string_inputs(string name)
    {
        foreach (var parameter in Parameters(Cmdlet(name)).Where(p => p.PropertyType.FullName is "System.String" or "System.String[]"))
        {
            Assert.True(
                Attribute(parameter, "ValidateNotNullOrEmptyAttribute") is not null || Attribute(parameter, "ValidateSetAttribute") is not null,
                $"{name} -{parameter.Name} accepts an empty string");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void Derives_from_the_base_that_relays_job_reports(string name)
    {
        var bases = new List<string>();
        for (var type = Cmdlet(name).BaseType; type is not null; type = type.BaseType) bases.Add(type.Name);

        Assert.Contains("SyncToolsCmdlet", bases);
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void Results_bind_by_property_name_to_the_next_cmdlet(string upstream, string downstream, string[] properties)
    {
        var parameters = Parameters(Cmdlet(downstream)).ToDictionary(p => p.Name);

        foreach (var output in OutputTypes(Cmdlet(upstream)))
        {
            foreach (var name in properties)
            {
                var property = output.GetProperty(name);
                Assert.NotNull(property);
                Assert.True(parameters.TryGetValue(name, out var parameter), $"{downstream} has no -{name}");
                Assert.Equal(Unwrapped(property.PropertyType), Unwrapped(parameter.PropertyType));
                Assert.Contains(Attributes(parameter, "ParameterAttribute"), a => Named(a, "ValueFromPipelineByPropertyName") is true);
            }
        }
    }

    [Fact]
    public void The_format_file_has_a_table_view_for_every_output_type()
    {
        var format = XDocument.Load(Path.Combine(TestServices.RepositoryRoot, "module", "SyncTools.format.ps1xml"));
        var viewed = format.Descendants("TypeName").Select(e => e.Value).ToHashSet();

        foreach (var output in _metadata.Cmdlets.SelectMany(OutputTypes))
        {
            Assert.Contains(output.FullName!, viewed);
        }
    }

    [Fact]
    public void Every_job_error_category_is_a_PowerShell_error_category()
    {
        var powershell = _metadata.Automation.GetType("System.Management.Automation.ErrorCategory")!.GetEnumNames();
        var ours = _metadata.Core.GetType("SyncTools.Core.Jobs.JobErrorCategory")!.GetEnumNames();

        Assert.NotEmpty(ours);
        Assert.All(ours, c => Assert.Contains(c, powershell));
    }
}
