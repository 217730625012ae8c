using System.Diagnostics;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.MySql;

/// <summary>The command timeout kept by the row stream instead of the driver, against the test MariaDB.</summary>
public class MySqlRowStreamTests
{
    /// <summary>The test server with a command timeout of one second (in a database, which the sequence tables need).</summary>
    private static MySqlSource Server => new(TestServices.MySql + ";Default Command Timeout=1", database: "mysql");

    private static async Task<List<long>> ReadAsync(string sql, Func<long, Task>? afterRow = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await Server.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var stream = new MySqlRowStream(command, cancellationToken);
        var reader = await stream.ExecuteAsync();
        var read = new List<long>();
        while (await stream.ReadAsync())
        {
            read.Add(Convert.ToInt64(reader.GetValue(0)));
            if (afterRow is not null) await afterRow(read[^1]);
        }

        return read;
    }

    [Fact]
    public async Task A_server_silent_longer_than_the_command_timeout_fails_the_read_as_a_timeout_without_waiting_for_it()
    {
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => ReadAsync("SELECT seq, SLEEP(IF(seq = 3, 8, 0)) FROM seq_1_to_5"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        Assert.StartsWith("The server sent nothing for 1 s, the command timeout", error.Message, StringComparison.Ordinal);
        Assert.True(MySqlSource.IsTransient(error));
        var translated = Server.Translate(error, "db.table");
        Assert.Equal((JobErrorCategory.ConnectionError, "MySqlTimeout"), (translated.Category, translated.ErrorId));
    }

    [Fact]
    public async Task The_readers_own_time_between_rows_does_not_count()
    {
        // 2.5 s spent after row 10, with the rest already in the driver's buffer and the server done: no timeout.
        var read = await ReadAsync("SELECT seq FROM seq_1_to_20000", row => row == 10 ? Task.Delay(2500) : Task.CompletedTask);

        Assert.Equal(Enumerable.Range(1, 20000).Select(i => (long)i), read);
    }

    [Fact]
    public async Task A_read_stopped_by_its_caller_is_a_cancellation_not_a_timeout()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var error = await Record.ExceptionAsync(() => ReadAsync("SELECT seq, SLEEP(IF(seq = 3, 8, 0)) FROM seq_1_to_5", cancellationToken: stop.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }
}
