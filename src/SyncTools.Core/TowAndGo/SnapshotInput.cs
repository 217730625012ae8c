using System.Text.Json;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>The bytes of a snapshot as the user gave them, and where they came from (for messages).</summary>
public sealed record SnapshotInput(byte[] Json, string Source)
{
    public static SnapshotInput FromFile(string path)
    {
        try
        {
            return new SnapshotInput(File.ReadAllBytes(path), $"file '{path}'");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SyncToolsException($"The snapshot file '{path}' does not exist.", JobErrorCategory.ObjectNotFound, "SnapshotFileNotFound", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncToolsException($"The snapshot file '{path}' cannot be read: {e.Message}", JobErrorCategory.ReadError, "SnapshotFileUnreadable", path, e);
        }
    }

    public static SnapshotInput FromText(string json, string source) => new(System.Text.Encoding.UTF8.GetBytes(json), source);

    /// <summary>An object graph (dictionaries, lists, scalars), e.g. what ConvertFrom-Json made, serialized as JSON.</summary>
    public static SnapshotInput FromObject(object? value, string source) => new(JsonSerializer.SerializeToUtf8Bytes(value, Options), source);

    // ConvertFrom-Json reads an integer beyond Int64 as a BigInteger: written back as the number it was, not its properties.
    private static readonly JsonSerializerOptions Options = new() { Converters = { new BigIntegerAsNumber() } };

    private sealed class BigIntegerAsNumber : System.Text.Json.Serialization.JsonConverter<System.Numerics.BigInteger>
    {
        public override System.Numerics.BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            System.Numerics.BigInteger.Parse(System.Text.Encoding.UTF8.GetString(reader.ValueSpan), System.Globalization.CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, System.Numerics.BigInteger value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
