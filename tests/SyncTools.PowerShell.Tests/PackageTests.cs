using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static SyncTools.HelpGen.CmdletReflection;

namespace SyncTools.PowerShell.Tests;

/// <summary>
/// The .nupkg holds the module folder as Install-PSResource lays it down, with the metadata Publish-PSResource would
/// write from the manifest; the manifest names only files the package has.
/// </summary>
[Collection(AssembledModuleCollection.Name)]
public sealed class PackageTests(AssembledModule module, CmdletMetadata metadata) : IClassFixture<CmdletMetadata>
{
    /// <summary>What NuGet adds to every package; Install-PSResource removes it.</summary>
    private static readonly Regex PackagingFile = new(@"^(\[Content_Types\]\.xml|_rels/.*|package/.*|SyncTools\.nuspec)$");

    private string Manifest => File.ReadAllText(Path.Combine(module.Folder, "SyncTools.psd1"));

    [Fact]
    public void Holds_exactly_the_module_folder()
    {
        using var package = ZipFile.OpenRead(module.Package);
        var files = package.Entries.Select(e => Uri.UnescapeDataString(e.FullName)).Where(f => !PackagingFile.IsMatch(f)).Order(StringComparer.Ordinal);

        Assert.Equal(module.Files, files);
    }

    /// <summary>Nothing the module does not load but its licence: no build tools, dependency manifests or symbols.</summary>
    [Fact]
    public void The_module_folder_holds_only_what_the_module_loads()
    {
        var loaded = new Regex(@"^(LICENSE|SyncTools\.(dll|psd1|format\.ps1xml)|en-US/(SyncTools\.dll-Help\.xml|about_SyncTools(_Jobs)?\.help\.txt)|sql/\w+\.sql|dependencies/([\w./-]+/)?[\w.]+\.dll)$");

        Assert.All(module.Files, f => Assert.Matches(loaded, f));
    }

    [Fact]
    public void Is_named_and_described_from_the_manifest()
    {
        var nuspec = Nuspec();
        string Field(string name) => (string)nuspec.Element(nuspec.Name.Namespace + name)!;

        Assert.Equal("SyncTools", Field("id"));
        Assert.Equal(Value("ModuleVersion"), Field("version"));
        Assert.Equal($"SyncTools.{Value("ModuleVersion")}.nupkg", Path.GetFileName(module.Package));
        Assert.Equal(Value("Description"), Field("description"));
        Assert.Equal(Value("Author"), Field("authors"));
        Assert.Equal(Value("CompanyName"), Field("owners"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal(Value("ReleaseNotes"), Field("releaseNotes"));
        var tags = Field("tags").Split(' ');
        Assert.Contains("PSModule", tags);
        Assert.Contains("PSIncludes_Cmdlet", tags);
        Assert.Contains("PSEdition_Core", tags);
        Assert.All(metadata.Cmdlets.Select(CmdletName), c => Assert.Contains($"PSCmdlet_{c}", tags));
        Assert.DoesNotContain("", tags);
    }

    [Fact]
    public void The_manifest_targets_PowerShell_7_4_Core_and_names_only_shipped_files()
    {
        Assert.Equal("7.4", Value("PowerShellVersion"));
        Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Core'\)", Manifest);
        Assert.Contains(Value("RootModule"), module.Files);
        Assert.Matches(@"FormatsToProcess\s*=\s*@\('SyncTools\.format\.ps1xml'\)", Manifest);
        Assert.Contains("SyncTools.format.ps1xml", module.Files);
        Assert.Contains($"en-US/{Value("RootModule")}-Help.xml", module.Files);
        Assert.Contains("en-US/about_SyncTools.help.txt", module.Files);
        Assert.Contains("en-US/about_SyncTools_Jobs.help.txt", module.Files);
        // RequiredAssemblies would load the engine's libraries into the default context, beside other modules' copies.
        Assert.DoesNotContain("RequiredAssemblies", Manifest);
    }

    [Fact]
    public void Carries_manifest_text_as_written_whatever_its_characters()
    {
        var notes = "Fixes: the org''s users & <roles>; 100% of rows";
        using var build = new TemporaryFolder();
        var manifest = Path.Combine(build.Path, "SyncTools.psd1");
        File.WriteAllText(manifest, Regex.Replace(Manifest, @"\bReleaseNotes\s*=\s*'[^']*'", $"ReleaseNotes = '{notes}'"));

        var (exitCode, output) = AssembledModule.Publish(build.Path, $"ModuleManifest={manifest}");

        Assert.True(exitCode == 0, output);
        var nuspec = Nuspec(Directory.GetFiles(Path.Combine(build.Path, "packages"), "*.nupkg").Single());
        Assert.Equal("Fixes: the org's users & <roles>; 100% of rows", (string)nuspec.Element(nuspec.Name.Namespace + "releaseNotes")!);
    }

    [Fact]
    public void Is_refused_for_a_manifest_without_a_description()
    {
        using var build = new TemporaryFolder();
        var manifest = Path.Combine(build.Path, "SyncTools.psd1");
        File.WriteAllText(manifest, Regex.Replace(Manifest, @"\bDescription\s*=\s*'[^']*'", ""));

        var (exitCode, output) = AssembledModule.Publish(build.Path, $"ModuleManifest={manifest}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("lacks a quoted Description value", output);
        Assert.False(Directory.Exists(Path.Combine(build.Path, "packages")) && Directory.GetFiles(Path.Combine(build.Path, "packages"), "*.nupkg").Length > 0);
    }

    private XElement Nuspec() => Nuspec(module.Package);

    private static XElement Nuspec(string path)
    {
        using var package = ZipFile.OpenRead(path);
        using var stream = package.GetEntry("SyncTools.nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().First(e => e.Name.LocalName == "metadata");
    }

    /// <summary>A quoted value in the manifest, as PowerShell reads it ('' is one quote).</summary>
    private string Value(string key) =>
        Regex.Match(Manifest, $@"\b{key}\s*=\s*'((?:[^']|'')*)'") is { Success: true } match ? match.Groups[1].Value.Replace("''", "'") : throw new Xunit.Sdk.XunitException($"{key} is not in the manifest");

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"synctools-pack-{Guid.NewGuid():N}")).FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
