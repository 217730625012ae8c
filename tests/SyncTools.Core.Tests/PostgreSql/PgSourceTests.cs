using Npgsql;
using SyncTools.Core.Jobs;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.Tests.PostgreSql;

/// <summary>Where PgSource takes its credentials from: PGUSER and PGPASSWORD only for PGHOST's own server.</summary>
public class PgSourceTests
{
    private static readonly NpgsqlConnectionStringBuilder Server = new(TestServices.Postgres);

    private static async Task WithEnvironment(string pgHost, string pgPassword, Func<Task> test)
    {
        var saved = (Environment.GetEnvironmentVariable("PGHOST"), Environment.GetEnvironmentVariable("PGUSER"), Environment.GetEnvironmentVariable("PGPASSWORD"));
        Environment.SetEnvironmentVariable("PGHOST", pgHost);
        Environment.SetEnvironmentVariable("PGUSER", Server.Username);
        Environment.SetEnvironmentVariable("PGPASSWORD", pgPassword);
        try
        {
            await test();
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGHOST", saved.Item1);
            Environment.SetEnvironmentVariable("PGUSER", saved.Item2);
            Environment.SetEnvironmentVariable("PGPASSWORD", saved.Item3);
        }
    }

    [Fact]
    public Task A_server_other_than_PGHOSTs_gets_neither_PGUSER_nor_PGPASSWORD_and_the_run_stops_before_connecting() => WithEnvironment("kyc-db.example.org", "kyc-db-secret", async () =>
    {
        var other = new PgSource(host: Server.Host, port: Server.Port, database: Server.Database);

        var error = await Assert.ThrowsAsync<SyncToolsException>(async () => await other.OpenAsync(CancellationToken.None));

        Assert.Equal(("PgCredentialsNotGiven", JobErrorCategory.InvalidArgument), (error.ErrorId, error.Category));
        Assert.Contains("-Credential or in -PostgresConnectionString", error.Message);
        Assert.DoesNotContain("kyc-db-secret", error.Message);
        Assert.StartsWith($"{Environment.UserName}@", other.ToString()); // not PGUSER
    });

    [Fact]
    public Task PGHOSTs_own_server_and_a_server_given_its_own_password_connect() => WithEnvironment(Server.Host!, Server.Password!, async () =>
    {
        var own = new PgSource(port: Server.Port, database: Server.Database);
        var given = new PgSource($"Host=localhost;Port={Server.Port};Username={Server.Username};Password={Server.Password};Database={Server.Database}");

        await using (await own.OpenAsync(CancellationToken.None)) { }
        await using (await given.OpenAsync(CancellationToken.None)) { }

        Assert.StartsWith($"{Server.Username}@", own.ToString());
    });
}
