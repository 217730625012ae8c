using System.Data.Common;
using System.Net.Sockets;
using MySql.Data.MySqlClient;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.MySql;

/// <summary>
/// Where and as whom to reach a MySQL or MariaDB server: the one place that knows the driver (MySql.Data, a stand-in
/// for MySqlConnector, which this build's mirror lacks), so that a swap is this class and a package.
/// </summary>
/// <remarks>
/// Parts not given come from the connection string, then from DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD (as in the
/// source designs). <see cref="ToString"/> never shows the password.
/// </remarks>
public sealed class MySqlSource
{
    private readonly MySqlConnectionStringBuilder _builder;

    public MySqlSource(string? connectionString = null, string? server = null, uint? port = null, string? user = null, string? password = null, string? database = null)
    {
        try
        {
            _builder = new MySqlConnectionStringBuilder(connectionString ?? "");
        }
        catch (ArgumentException e)
        {
            throw new SyncToolsException($"The MySQL connection string cannot be used: {e.Message}", JobErrorCategory.InvalidArgument, "MySqlConnectionStringInvalid", null, e);
        }

        // Each part: as given, else as written in the connection string (under any alias), else from the environment.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString ?? "" };
        string? Part(string? value, string variable, params string[] aliases) =>
            value ?? aliases.Select(a => written.TryGetValue(a, out var v) ? v?.ToString() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v))
                  ?? Environment.GetEnvironmentVariable(variable);
        _builder.Server = Part(server, "DB_HOST", "server", "host", "data source", "datasource", "address") ?? "localhost";
        _builder.Port = uint.TryParse(Part(port?.ToString(), "DB_PORT", "port"), out var p) ? p : 3306;
        _builder.UserID = Part(user, "DB_USERNAME", "user id", "uid", "username", "user name", "user", "userid") ?? "";
        _builder.Password = Part(password, "DB_PASSWORD", "password", "pwd") ?? "";
        _builder.Database = database ?? _builder.Database;
        _builder.UseAffectedRows = true; // an upsert that changes nothing reports 0 rows, not 1
        _builder.AllowUserVariables = false;
        _builder.ConvertZeroDateTime = true; // a 0000-00-00 date reads as DateTime.MinValue for the job to judge, not as an exception
        if (_builder.ConnectionTimeout == 15) _builder.ConnectionTimeout = 10;
    }

    public string Database => _builder.Database;

    /// <summary>"user@server:port/database", never the password.</summary>
    public override string ToString() => $"{_builder.UserID}@{_builder.Server}:{_builder.Port}/{_builder.Database}";

    /// <summary>This source pointed at another database on the same server.</summary>
    public MySqlSource WithDatabase(string database) => new(_builder.ConnectionString, database: database);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        MySqlDataCompat.EnsureApplied();
        var connection = new MySqlConnection(_builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, ToString());
        }
    }

    /// <summary>Drops pooled connections after a failure, so that a retry does not get a dead one back.</summary>
    public static void DiscardPooled(DbConnection connection)
    {
        if (connection is MySqlConnection mysql) MySqlConnection.ClearPool(mysql);
    }

    /// <summary>A failure another attempt may not meet: a connection lost or killed, a deadlock, a lock wait timeout.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SyncToolsException { Category: JobErrorCategory.ConnectionError }:
                case MySqlException { Number: 1205 or 1213 or 1927 or 2006 or 2013 or 1053 or 1040 or 1158 or 1159 or 1160 or 1161 }:
                case IOException or SocketException or TimeoutException:
                case InvalidOperationException when e.Message.Contains("Connection must be valid and open", StringComparison.Ordinal):
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The server refused a row's values (too long, out of range, a bad date or value, NULL where none is allowed,
    /// a missing parent, a duplicate of another unique key, a failed check): the data is at fault, not the connection.
    /// </summary>
    public static bool IsDataError(Exception exception) =>
        exception is MySqlException { Number: 1048 or 1062 or 1264 or 1265 or 1292 or 1366 or 1406 or 1452 or 3819 or 4025 };

    /// <summary>Turns what the driver throws into an error that says where, and what to check.</summary>
    public SyncToolsException Translate(Exception exception, string target) => Classify(exception is MySqlException { Number: 0, InnerException: MySqlException inner } ? inner : exception, target, exception);

    // The driver wraps some server errors (a refused login among them) in an error numbered 0.
    private SyncToolsException Classify(Exception error, string target, Exception exception) => error switch
    {
        SyncToolsException e => e,
        MySqlException { Number: 1045 } e => new($"MySQL at {this} refused the credentials: {e.Message}", JobErrorCategory.AuthenticationError, "MySqlAuthenticationFailed", target, e),
        MySqlException { Number: 1044 or 1142 or 1143 } e => new($"MySQL at {this} denied {target}: {e.Message}", JobErrorCategory.PermissionDenied, "MySqlAccessDenied", target, e),
        MySqlException { Number: 1049 } e => new($"MySQL at {this} has no database '{_builder.Database}'.", JobErrorCategory.ObjectNotFound, "MySqlDatabaseNotFound", target, e),
        MySqlException e when e.Number == 1042 || e.InnerException is SocketException || e.Message.Contains("Unable to connect", StringComparison.OrdinalIgnoreCase) =>
            new($"Cannot reach MySQL at {this}: {e.Message}", JobErrorCategory.ConnectionError, "MySqlUnreachable", target, e),
        MySqlException e => new($"MySQL at {this} failed for {target}: {e.Message} (error {e.Number})", JobErrorCategory.WriteError, "MySqlFailed", target, e),
        _ => new($"MySQL at {this} failed for {target}: {exception.Message}", JobErrorCategory.NotSpecified, "MySqlFailed", target, exception),
    };
}
