namespace SyncTools.Core;

/// <summary>Keeps secrets out of everything a user or a log sees, and away from servers they were not given for.</summary>
public static class Redaction
{
    /// <summary>
    /// Whether <paramref name="server"/> is another server than the environment's (<paramref name="environmentHost"/>,
    /// localhost when unset): then the environment's credentials, which belong to that server, must not be sent to it.
    /// </summary>
    public static bool IsOtherServer(string server, string? environmentHost) =>
        !string.Equals(server, string.IsNullOrEmpty(environmentHost) ? "localhost" : environmentHost, StringComparison.OrdinalIgnoreCase);

    public const string Mask = "*****";

    /// <summary>The first four characters of an identifier, then a mask: "AKIA*****".</summary>
    public static string MaskKey(string value) => value.Length <= 4 ? Mask : value[..4] + Mask;
}
