namespace SyncTools.Tests;

/// <summary>
/// The LAAS source tables as Invoke-OrgSync reads them (the columns it needs, with the types of the source design).
/// Times are source-clock DATETIMEs; ids are the keys it pages by.
/// </summary>
public static class LaasSchema
{
    /// <summary>tests/Shared/laas.sql, which the Pester tests and the demo read too.</summary>
    public static string Create => File.ReadAllText(Path.Combine(TestServices.RepositoryRoot, "tests", "Shared", "laas.sql"));
}
