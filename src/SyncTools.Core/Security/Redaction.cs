namespace SyncTools.Core;

/// <summary>Keeps secrets out of everything a user or a log sees.</summary>
public static class Redaction
{
    public const string Mask = "*****";

    /// <summary>The first four characters of an identifier, then a mask: "AKIA*****".</summary>
    public static string MaskKey(string value) => value.Length <= 4 ? Mask : value[..4] + Mask;
}
