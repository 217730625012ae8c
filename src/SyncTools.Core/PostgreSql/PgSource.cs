using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using Npgsql.Replication;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.PostgreSql;

/// <summary>Where and as whom to reach a PostgreSQL server; <see cref="ToString"/> never shows the password.</summary>
/// <remarks>
/// Parts not given come from the connection string, then from libpq's environment variables PGHOST, PGPORT,
/// PGDATABASE, PGUSER and PGPASSWORD, then localhost, 5432, the user's name as the database. PGUSER and PGPASSWORD
/// belong to PGHOST's server (libpq's default, localhost, when it is unset): a server named otherwise gets neither.
/// </remarks>
public sealed class PgSource
{
    private readonly NpgsqlConnectionStringBuilder _builder;

    /// <summary>Another server than PGHOST's, with no password of its own while PGPASSWORD is set, which Npgsql would send it.</summary>
    private readonly bool _environmentPasswordWouldGoElsewhere;

    public PgSource(string? connectionString = null, string? host = null, int? port = null, string? user = null, string? password = null, string? database = null)
    {
        try
        {
            _builder = new NpgsqlConnectionStringBuilder(connectionString ?? "");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new SyncToolsException($"The PostgreSQL connection string cannot be used: {e.Message}", JobErrorCategory.InvalidArgument, "PgConnectionStringInvalid", null, e);
        }

        var written = new DbConnectionStringBuilder { ConnectionString = connectionString ?? "" };
        // Each part: as given, else as written in the connection string (under any alias), else from the environment.
        string? Part(string? value, string? variable, params string[] aliases) =>
            value ?? aliases.Select(a => written.TryGetValue(a, out var v) ? v?.ToString() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v))
                  ?? (variable is not null && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        _builder.Host = Part(host, "PGHOST", "host", "server") ?? "localhost";
        var otherServer = Redaction.IsOtherServer(_builder.Host, Environment.GetEnvironmentVariable("PGHOST"));
        _builder.Port = int.TryParse(Part(port?.ToString(), "PGPORT", "port"), out var p) ? p : 5432;
        _builder.Username = Part(user, otherServer ? null : "PGUSER", "username", "user name", "user id", "userid", "user") ?? Environment.UserName;
        _builder.Password = Part(password, otherServer ? null : "PGPASSWORD", "password", "pwd", "psw");
        _environmentPasswordWouldGoElsewhere = otherServer && _builder.Password is null && Part(null, "PGPASSWORD") is not null;
        _builder.Database = Part(database, "PGDATABASE", "database", "db") ?? _builder.Username;
        _builder.ArrayNullabilityMode = ArrayNullabilityMode.PerInstance; // int[] with NULLs reads as int?[], not an error
        if (!written.ContainsKey("timeout")) _builder.Timeout = 10;
        if (!written.ContainsKey("command timeout")) _builder.CommandTimeout = 300;
        _builder.ApplicationName ??= "SyncTools";
    }

    public string Database => _builder.Database!;

    /// <summary>The server as the journal names it: "host:port", in lower case.</summary>
    public string Server => Status.SyncEndpoint.ServerOf(_builder.Host!, _builder.Port);

    /// <summary>A table of this source's database, for the journal.</summary>
    public Status.SyncEndpoint Endpoint(string schema, string table) => new(Status.SyncEndpoint.PostgreSql, Server, Database, schema, table);

    /// <summary>Npgsql reads PGPASSWORD itself for a connection without a password: stop before it is sent to a server it does not belong to.</summary>
    private void RefuseEnvironmentPassword()
    {
        if (!_environmentPasswordWouldGoElsewhere) return;
        throw new SyncToolsException(
            $"PostgreSQL at {this} is not $env:PGHOST's server, and no password was given for it: PGPASSWORD belongs to PGHOST's server and is not sent to another. " +
            "Give this server's user and password with -Credential or in -PostgresConnectionString.",
            JobErrorCategory.InvalidArgument, "PgCredentialsNotGiven", ToString());
    }

    /// <summary>This source pointed at another database on the same server.</summary>
    public PgSource WithDatabase(string database) => new(_builder.ConnectionString, database: database);

    /// <summary>"user@host:port/database", never the password.</summary>
    public override string ToString() => $"{_builder.Username}@{_builder.Host}:{_builder.Port}/{_builder.Database}";

    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        OpenAsync(new NpgsqlConnection(_builder.ConnectionString), (c, token) => c.OpenAsync(token), cancellationToken);

    /// <summary>A connection in logical replication mode, to stream a slot's changes.</summary>
    public Task<LogicalReplicationConnection> OpenReplicationAsync(CancellationToken cancellationToken) =>
        OpenAsync(new LogicalReplicationConnection(_builder.ConnectionString), (c, token) => c.Open(token), cancellationToken);

    /// <summary>Opens <paramref name="connection"/>, or disposes it and says what went wrong where.</summary>
    private async Task<T> OpenAsync<T>(T connection, Func<T, CancellationToken, Task> open, CancellationToken cancellationToken) where T : IAsyncDisposable
    {
        try
        {
            RefuseEnvironmentPassword();
            await open(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, ToString());
        }
    }

    /// <summary>Turns what the driver throws into an error that says where, and what to check.</summary>
    public SyncToolsException Translate(Exception exception, string target) => exception switch
    {
        SyncToolsException e => e,
        PostgresException { SqlState: "28P01" or "28000" } e => new($"PostgreSQL at {this} refused the credentials: {e.MessageText}", JobErrorCategory.AuthenticationError, "PgAuthenticationFailed", target, e),
        PostgresException { SqlState: "42501" } e => new($"PostgreSQL at {this} denied {target}: {e.MessageText}", JobErrorCategory.PermissionDenied, "PgAccessDenied", target, e),
        PostgresException { SqlState: "55006" } e => new($"PostgreSQL at {this} refused {target}: {e.MessageText} (another consumer is reading the slot; one consumer per slot).", JobErrorCategory.ResourceBusy, "PgSlotInUse", target, e),
        PostgresException { SqlState: "3D000" } e => new($"PostgreSQL at {this} has no database '{Database}'.", JobErrorCategory.ObjectNotFound, "PgDatabaseNotFound", target, e),
        PostgresException { SqlState: "42P01" or "42703" } e => new($"PostgreSQL at {this} failed reading {target}: {e.MessageText} (did the table change during the run?)", JobErrorCategory.ObjectNotFound, "PgObjectNotFound", target, e),
        PostgresException e => new($"PostgreSQL at {this} failed for {target}: {e.MessageText} ({e.SqlState})", JobErrorCategory.ReadError, "PgFailed", target, e),
        NpgsqlException e when e.InnerException is SocketException or IOException or TimeoutException =>
            new($"Cannot reach PostgreSQL at {this}: {e.Message}", JobErrorCategory.ConnectionError, "PgUnreachable", target, e),
        _ => new($"PostgreSQL at {this} failed for {target}: {exception.Message}", JobErrorCategory.NotSpecified, "PgFailed", target, exception),
    };
}
