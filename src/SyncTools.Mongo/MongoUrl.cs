using System.Globalization;

namespace SyncTools.Mongo;

public readonly record struct MongoServerAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// A parsed <c>mongodb://</c> connection string: hosts, credentials (percent-encoded), database, and the options
/// this client honours: authSource, authMechanism (SCRAM-SHA-1, SCRAM-SHA-256), tls/ssl, tlsInsecure,
/// tlsAllowInvalidCertificates, tlsAllowInvalidHostnames, replicaSet, directConnection, appName,
/// connectTimeoutMS, serverSelectionTimeoutMS, socketTimeoutMS, maxPoolSize. Other options are kept in
/// <see cref="IgnoredOptions"/>. <see cref="ToString"/> hides the password.
/// </summary>
public sealed class MongoUrl
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        "authSource", "authMechanism", "tls", "ssl", "tlsInsecure", "tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames",
        "replicaSet", "directConnection", "appName", "connectTimeoutMS", "serverSelectionTimeoutMS", "socketTimeoutMS", "maxPoolSize",
    };

    private readonly string _redacted;

    public MongoUrl(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (connectionString.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase))
        {
            throw new MongoConfigurationException(
                "mongodb+srv:// connection strings need DNS SRV and TXT lookups, which this client does not make: list the hosts in a mongodb:// string instead (the SRV record's targets, with tls=true and the TXT record's options).");
        }

        const string scheme = "mongodb://";
        if (!connectionString.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new MongoConfigurationException("A MongoDB connection string starts with mongodb://.");
        }

        var rest = connectionString[scheme.Length..];
        var query = "";
        var q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        var slash = rest.IndexOf('/');
        var path = slash >= 0 ? rest[(slash + 1)..] : "";
        var authority = slash >= 0 ? rest[..slash] : rest;
        var at = authority.LastIndexOf('@');
        var userInfo = at >= 0 ? authority[..at] : null;
        var hostList = at >= 0 ? authority[(at + 1)..] : authority;

        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':');
            Username = Decode(colon >= 0 ? userInfo[..colon] : userInfo, "user name");
            Password = colon >= 0 ? Decode(userInfo[(colon + 1)..], "password") : null;
            if (Username.Length == 0) throw new MongoConfigurationException("The connection string has credentials with an empty user name.");
        }

        Hosts = ParseHosts(hostList);
        DatabaseName = path.Length > 0 ? Decode(path, "database name") : null;
        ParseOptions(query);
        if (DirectConnection && Hosts.Count > 1)
        {
            throw new MongoConfigurationException("directConnection=true names one host, but the connection string lists several.");
        }

        // The user info starts right after the scheme: keep the user name, mask the password.
        _redacted = userInfo is null || Password is null
            ? connectionString
            : connectionString[..scheme.Length] + userInfo[..userInfo.IndexOf(':')] + ":*****" + connectionString[(scheme.Length + userInfo.Length)..];
    }

    public IReadOnlyList<MongoServerAddress> Hosts { get; }

    public string? Username { get; }

    /// <summary>The password; never shown by <see cref="ToString"/>.</summary>
    internal string? Password { get; }

    public string? DatabaseName { get; }

    /// <summary>The database that holds the user: authSource, else the path's database, else "admin".</summary>
    public string AuthSource { get; private set; } = "";

    public string? AuthMechanism { get; private set; }

    public bool Tls { get; private set; }

    public bool TlsAllowInvalidCertificates { get; private set; }

    public bool TlsAllowInvalidHostnames { get; private set; }

    public string? ReplicaSet { get; private set; }

    public bool DirectConnection { get; private set; }

    public string? AppName { get; private set; }

    public TimeSpan ConnectTimeout { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan ServerSelectionTimeout { get; private set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request may wait for its reply; infinite by default.</summary>
    public TimeSpan SocketTimeout { get; private set; } = Timeout.InfiniteTimeSpan;

    public int MaxPoolSize { get; private set; } = 10;

    public IReadOnlyList<string> IgnoredOptions { get; private set; } = [];

    public override string ToString() => _redacted;

    private static List<MongoServerAddress> ParseHosts(string hostList)
    {
        if (hostList.Length == 0) throw new MongoConfigurationException("The connection string names no host.");
        var hosts = new List<MongoServerAddress>();
        foreach (var entry in hostList.Split(','))
        {
            string host;
            var portText = "";
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']');
                if (close < 0) throw new MongoConfigurationException($"The host '{entry}' opens an IPv6 bracket it does not close.");
                host = entry[1..close];
                if (close + 1 < entry.Length)
                {
                    if (entry[close + 1] != ':') throw new MongoConfigurationException($"The host '{entry}' is not host:port.");
                    portText = entry[(close + 2)..];
                }
            }
            else
            {
                var colon = entry.LastIndexOf(':');
                host = colon >= 0 ? entry[..colon] : entry;
                portText = colon >= 0 ? entry[(colon + 1)..] : "";
            }

            var port = 27017;
            if (portText.Length > 0 && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                throw new MongoConfigurationException($"The port of '{entry}' is not a number from 1 to 65535.");
            }

            if (host.Length == 0) throw new MongoConfigurationException($"The host '{entry}' has no name.");
            hosts.Add(new MongoServerAddress(Uri.UnescapeDataString(host).ToLowerInvariant(), port));
        }

        return hosts;
    }

    private void ParseOptions(string query)
    {
        var ignored = new List<string>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = eq >= 0 ? pair[..eq] : pair;
            var value = eq >= 0 ? Decode(pair[(eq + 1)..], name) : "";
            if (!Known.Contains(name)) { ignored.Add(name); continue; }
            switch (name.ToLowerInvariant())
            {
                case "authsource": AuthSource = value; break;
                case "authmechanism":
                    if (value is not ("SCRAM-SHA-1" or "SCRAM-SHA-256"))
                    {
                        throw new MongoConfigurationException($"authMechanism={value} is not supported: this client speaks SCRAM-SHA-256 and SCRAM-SHA-1.");
                    }

                    AuthMechanism = value;
                    break;
                case "tls" or "ssl": Tls = Bool(name, value); break;
                case "tlsinsecure": TlsAllowInvalidCertificates = TlsAllowInvalidHostnames = Bool(name, value); break;
                case "tlsallowinvalidcertificates": TlsAllowInvalidCertificates = Bool(name, value); break;
                case "tlsallowinvalidhostnames": TlsAllowInvalidHostnames = Bool(name, value); break;
                case "replicaset": ReplicaSet = value; break;
                case "directconnection": DirectConnection = Bool(name, value); break;
                case "appname": AppName = value; break;
                case "connecttimeoutms": ConnectTimeout = Milliseconds(name, value, zeroMeansInfinite: false); break;
                case "serverselectiontimeoutms": ServerSelectionTimeout = Milliseconds(name, value, zeroMeansInfinite: false); break;
                case "sockettimeoutms": SocketTimeout = Milliseconds(name, value, zeroMeansInfinite: true); break;
                case "maxpoolsize":
                    MaxPoolSize = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                        ? size : throw new MongoConfigurationException($"maxPoolSize={value} is not a positive number.");
                    break;
            }
        }

        if (AuthSource.Length == 0) AuthSource = DatabaseName ?? "admin";
        IgnoredOptions = ignored;
    }

    private static bool Bool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new MongoConfigurationException($"{name}={value} is not true or false."),
    };

    private static TimeSpan Milliseconds(string name, string value, bool zeroMeansInfinite)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || (ms == 0 && !zeroMeansInfinite))
        {
            throw new MongoConfigurationException($"{name}={value} is not a positive number of milliseconds.");
        }

        return ms == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
    }

    private static string Decode(string text, string what)
    {
        if (text.Contains('%') && !System.Text.RegularExpressions.Regex.IsMatch(text, "^(?:[^%]|%[0-9A-Fa-f]{2})*$"))
        {
            throw new MongoConfigurationException($"The {what} in the connection string has a '%' that is not a percent-encoded byte.");
        }

        return Uri.UnescapeDataString(text);
    }
}
