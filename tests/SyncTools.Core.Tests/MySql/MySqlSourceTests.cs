using MySqlConnector;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;

namespace SyncTools.Core.Tests.MySql;

/// <summary>MySqlSource against the test MariaDB: a refused login says what to set, and never the password.</summary>
public sealed class MySqlSourceTests
{
    private static readonly MySqlConnectionStringBuilder Server = new(TestServices.MySql);

    [Theory]
    [InlineData("", "", "No user was given: pass -Credential, or set DB_USERNAME and DB_PASSWORD.")]
    [InlineData("root", "not-the-password", "Check the user and password (-Credential, or DB_USERNAME and DB_PASSWORD).")]
    public async Task A_refused_login_says_which_parameter_or_variable_to_set(string user, string password, string advice)
    {
        var source = new MySqlSource($"Server={Server.Server};Port={Server.Port}", user: user, password: password);

        var error = await Assert.ThrowsAsync<SyncToolsException>(async () => await source.OpenAsync(CancellationToken.None));

        Assert.Equal((JobErrorCategory.AuthenticationError, "MySqlAuthenticationFailed"), (error.Category, error.ErrorId));
        Assert.EndsWith(advice, error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public void A_target_is_named_by_server_and_database_whoever_logs_in()
    {
        var asSync = new SyncTools.Core.OrgSync.OrgSyncOptions { Source = new MySqlSource("Server=DB1.example.org;Port=3306", user: "sync"), Target = new MySqlSource("Server=db1.example.org;Port=3306", user: "sync") };
        var asRoot = asSync with { Target = new MySqlSource("Server=db1.example.org;Port=3306", user: "root", password: "secret") };

        Assert.Equal("db1.example.org:3306/organizations", asSync.TargetName);
        Assert.Equal(asSync.TargetName, asRoot.TargetName);
        Assert.Equal("db1.example.org:3306/laas", asSync.SourceName);
    }
}
