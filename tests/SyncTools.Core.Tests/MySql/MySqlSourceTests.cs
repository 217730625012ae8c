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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_server_silent_mid_read_past_the_command_timeout_fails_the_read_as_transient_without_waiting_for_it(bool forReading)
    {
        // 100 KB of rows come first (past the server's 16 KB network buffer), then the server is silent for 8 s.
        var server = new MySqlSource(TestServices.MySql + ";Default Command Timeout=1", database: "mysql");
        await using var connection = await (forReading ? server.ForReading() : server).OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, REPEAT('x', 200), SLEEP(IF(seq = 500, 8, 0)) FROM seq_1_to_600";
        var (read, clock) = (0, System.Diagnostics.Stopwatch.StartNew());

        var error = await Record.ExceptionAsync(async () =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) read++;
        });

        Assert.InRange(read, 100, 499);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        Assert.True(MySqlSource.IsTransient(Assert.IsType<MySqlException>(error)), error.Message);
        // A reading connection is closed at once; one that may write has its statement killed first (rolled back, not
        // finished by the server after the job gave up on it).
        Assert.Equal(!forReading, error.InnerException is MySqlException { ErrorCode: MySqlErrorCode.QueryInterrupted });
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

    [Fact]
    public async Task A_connection_string_naming_another_server_gets_no_credentials_from_DB_USERNAME_and_DB_PASSWORD()
    {
        // The environment's credentials are valid on this server, but belong to DB_HOST's (another one): they must not be used.
        var saved = (Environment.GetEnvironmentVariable("DB_HOST"), Environment.GetEnvironmentVariable("DB_USERNAME"), Environment.GetEnvironmentVariable("DB_PASSWORD"));
        Environment.SetEnvironmentVariable("DB_HOST", "laas-db.example.org");
        Environment.SetEnvironmentVariable("DB_USERNAME", Server.UserID);
        Environment.SetEnvironmentVariable("DB_PASSWORD", Server.Password);
        try
        {
            var other = new MySqlSource($"Server={Server.Server};Port={Server.Port}");
            var named = new MySqlSource(server: Server.Server, port: Server.Port); // -Server names it as well as a connection string does
            var same = new MySqlSource($"Server=LAAS-DB.example.org;Port={Server.Port}");

            var error = await Assert.ThrowsAsync<SyncToolsException>(async () => await other.OpenAsync(CancellationToken.None));

            Assert.Equal("MySqlAuthenticationFailed", error.ErrorId);
            Assert.Contains("give its user and password with -Credential or in the connection string", error.Message);
            Assert.StartsWith("@", other.ToString()); // no user taken
            Assert.StartsWith("@", named.ToString());
            Assert.StartsWith($"{Server.UserID}@", same.ToString()); // DB_HOST's own server keeps them
        }
        finally
        {
            Environment.SetEnvironmentVariable("DB_HOST", saved.Item1);
            Environment.SetEnvironmentVariable("DB_USERNAME", saved.Item2);
            Environment.SetEnvironmentVariable("DB_PASSWORD", saved.Item3);
        }
    }
}
