using System.Data.Common;
using SyncTools.Core.MySql;

namespace SyncTools.Core.Tests.Support;

/// <summary>A database of its own on the test MariaDB, dropped afterwards.</summary>
public sealed class MySqlTestDatabase : IAsyncLifetime
{
    public string Name { get; } = TestServices.UniqueName("db").Replace('-', '_');

    public MySqlSource Source => new(TestServices.MySql, database: Name);

    public async Task InitializeAsync() => await ExecuteOnServerAsync($"CREATE DATABASE `{Name}`");

    public Task DisposeAsync() => ExecuteOnServerAsync($"DROP DATABASE IF EXISTS `{Name}`");

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await Source.OpenAsync(CancellationToken.None);
        await RunAsync(connection, sql);
    }

    public async Task<List<string>> ColumnAsync(string sql)
    {
        await using var connection = await Source.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) values.Add(reader.GetValue(0).ToString()!);
        return values;
    }

    private async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = await new MySqlSource(TestServices.MySql).OpenAsync(CancellationToken.None);
        await RunAsync(connection, sql);
    }

    private static async Task RunAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
