namespace SyncTools.Core;

/// <summary>Keeps secrets out of everything a user or a log sees, and away from servers they were not given for.</summary>
public static class Redaction
{
    /// <summary>
    /// Whether a connection string names a server other than the environment's: then the environment's credentials,
    /// which belong to that server, must not be sent (the string carries its own).
    /// </summary>
    public static bool NamesOtherServer(System.Data.Common.DbConnectionStringBuilder written, string? environmentHost, params string[] aliases) =>
        aliases.Select(a => written.TryGetValue(a, out var v) ? v?.ToString() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v)) is { } named
        && !string.Equals(named, environmentHost, StringComparison.OrdinalIgnoreCase);

    public const string Mask = "*****";

    /// <summary>The first four characters of an identifier, then a mask: "AKIA*****".</summary>
    public static string MaskKey(string value) => value.Length <= 4 ? Mask : value[..4] + Mask;
}
