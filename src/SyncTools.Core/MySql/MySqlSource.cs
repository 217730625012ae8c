using System.Data.Common;
using System.Net.Sockets;
using MySqlConnector;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.MySql;

/// <summary>
/// Where and as whom to reach a MySQL or MariaDB server: the one place that knows the driver (MySqlConnector).
/// </summary>
/// <remarks>
/// Parts not given come from the connection string, then from DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD (as in the
/// source designs). <see cref="ToString"/> never shows the password.
/// </remarks>
public sealed class MySqlSource
{
    private readonly MySqlConnectionStringBuilder _builder;
    private readonly bool _credentialsWithheld;
    private readonly bool _cancellationTimeoutGiven;

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
        string? Part(string? value, string? variable, params string[] aliases) =>
            value ?? aliases.Select(a => written.TryGetValue(a, out var v) ? v?.ToString() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v))
                  ?? (variable is null ? null : Environment.GetEnvironmentVariable(variable));
        _builder.Server = Part(server, "DB_HOST", "server", "host", "data source", "datasource", "address") ?? "localhost";
        _builder.Port = uint.TryParse(Part(port?.ToString(), "DB_PORT", "port"), out var p) ? p : 3306;
        // DB_USERNAME and DB_PASSWORD belong to DB_HOST's server: another server, named by -Server or the connection string, gets none of them.
        var otherServer = Redaction.IsOtherServer(_builder.Server, Environment.GetEnvironmentVariable("DB_HOST"));
        string? Credential(string? value, string variable, params string[] aliases) => Part(value, otherServer ? null : variable, aliases);
        _builder.UserID = Credential(user, "DB_USERNAME", "user id", "uid", "username", "user name", "user", "userid") ?? "";
        _builder.Password = Credential(password, "DB_PASSWORD", "password", "pwd") ?? "";
        _credentialsWithheld = otherServer && string.IsNullOrEmpty(_builder.UserID) && user is null;
        _builder.Database = database ?? _builder.Database;
        _builder.UseAffectedRows = true; // an upsert that changes nothing reports 0 rows, not 1
        _builder.AllowUserVariables = false;
        _builder.ConvertZeroDateTime = true; // a 0000-00-00 date reads as DateTime.MinValue for the job to judge, not as an exception
        if (_builder.ConnectionTimeout == 15) _builder.ConnectionTimeout = 10;
        _cancellationTimeoutGiven = written.ContainsKey("Cancellation Timeout") || written.ContainsKey("CancellationTimeout");
    }

    /// <summary>
    /// This source for connections that only read. A command on them that times out has its connection closed at once
    /// instead of a KILL QUERY first (Cancellation Timeout=-1, unless the connection string sets one): with a
    /// cancellation timeout the driver sets and clears a timer on one process-wide, locked queue at every row read, a
    /// sixth of the client's CPU with two tables read side by side; without, a row costs a field set. Connections that
    /// write keep the KILL, so that a write given up on is rolled back, not finished by the server behind the job.
    /// </summary>
    public MySqlSource ForReading()
    {
        var reading = new MySqlSource(_builder.ConnectionString);
        if (!_cancellationTimeoutGiven) reading._builder.CancellationTimeout = -1;
        return reading;
    }

    public string Database => _builder.Database;


    /// <summary>The server as the journal names it: "host:port", in lower case.</summary>
    public string Server => Status.SyncEndpoint.ServerOf(_builder.Server, _builder.Port);

    /// <summary>What this source's database is, for the journal.</summary>
    public Status.SyncEndpoint Endpoint(params string[] path) => new(Status.SyncEndpoint.MySql, Server, _builder.Database, path);

    /// <summary>"server:port/database", the server in lower case: what the data is, whoever logs in (a job's target in the journal).</summary>
    public string Location => $"{_builder.Server.ToLowerInvariant()}:{_builder.Port}/{_builder.Database}";

    /// <summary>"user@server:port/database", never the password.</summary>
    public override string ToString() => $"{_builder.UserID}@{_builder.Server}:{_builder.Port}/{_builder.Database}";

    /// <summary>This source pointed at another database on the same server.</summary>
    public MySqlSource WithDatabase(string database) => new(_builder.ConnectionString, database: database);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
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

    /// <summary>A failure another attempt may not meet: a connection lost or killed, a deadlock, a lock wait timeout, a server shutting down.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SyncToolsException { Category: JobErrorCategory.ConnectionError }:
                case MySqlException { ErrorCode: MySqlErrorCode.LockWaitTimeout or MySqlErrorCode.LockDeadlock
                    or MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown or MySqlErrorCode.ConnectionCountError
                    or MySqlErrorCode.NetReadInterrupted or MySqlErrorCode.ErrorOnRead or MySqlErrorCode.NetWriteInterrupted or MySqlErrorCode.ErrorOnWrite
                    or MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.QueryInterrupted }:
                case MySqlException { IsTransient: true } or MySqlException { Number: 1927 }: // 1927: the connection was killed
                case MySqlEndOfStreamException or IOException or SocketException or TimeoutException:
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
        exception is MySqlException { ErrorCode: MySqlErrorCode.ColumnCannotBeNull or MySqlErrorCode.DuplicateKeyEntry or MySqlErrorCode.WarningDataOutOfRange
            or MySqlErrorCode.WarningDataTruncated or MySqlErrorCode.TruncatedWrongValue or MySqlErrorCode.TruncatedWrongValueForField
            or MySqlErrorCode.DataTooLong or MySqlErrorCode.NoReferencedRow2 } or MySqlException { Number: 3819 or 4025 };

    /// <summary>Turns what the driver throws into an error that says where, and what to check.</summary>
    public SyncToolsException Translate(Exception exception, string target) => exception switch
    {
        SyncToolsException e => e,
        MySqlException { ErrorCode: MySqlErrorCode.AccessDenied } e => new(
            $"MySQL at {this} refused the credentials: {e.Message} "
            + (_credentialsWithheld ? "This is not DB_HOST's server: give its user and password with -Credential or in the connection string (User ID=...;Password=...); DB_USERNAME and DB_PASSWORD belong to DB_HOST's server."
               : string.IsNullOrEmpty(_builder.UserID) ? "No user was given: pass -Credential, or set DB_USERNAME and DB_PASSWORD." : "Check the user and password (-Credential, or DB_USERNAME and DB_PASSWORD)."),
            JobErrorCategory.AuthenticationError, "MySqlAuthenticationFailed", target, e),
        MySqlException { ErrorCode: MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.TableAccessDenied or MySqlErrorCode.ColumnAccessDenied } e =>
            new($"MySQL at {this} denied {target}: {e.Message}", JobErrorCategory.PermissionDenied, "MySqlAccessDenied", target, e),
        MySqlException { ErrorCode: MySqlErrorCode.UnknownDatabase } e => new($"MySQL at {this} has no database '{_builder.Database}'.", JobErrorCategory.ObjectNotFound, "MySqlDatabaseNotFound", target, e),
        MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost } e => new($"Cannot reach MySQL at {this}: {e.Message}", JobErrorCategory.ConnectionError, "MySqlUnreachable", target, e),
        MySqlException e when IsTransient(e) => new($"The connection to MySQL at {this} failed for {target}: {e.Message}", JobErrorCategory.ConnectionError, "MySqlConnectionLost", target, e),
        MySqlException e => new($"MySQL at {this} failed for {target}: {e.Message} (error {e.Number})", JobErrorCategory.WriteError, "MySqlFailed", target, e),
        _ => new($"MySQL at {this} failed for {target}: {exception.Message}", JobErrorCategory.NotSpecified, "MySqlFailed", target, exception),
    };
}
