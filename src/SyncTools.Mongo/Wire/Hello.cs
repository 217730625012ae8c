using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Wire;

/// <summary>What a server said of itself in its hello reply.</summary>
internal sealed class Hello(BsonDocument reply)
{
    public bool IsWritablePrimary { get; } =
        reply.GetValue("isWritablePrimary", reply.GetValue("ismaster", BsonBoolean.False)) is BsonBoolean { Value: true };

    public bool IsSecondary { get; } = reply.GetValue("secondary", BsonBoolean.False) is BsonBoolean { Value: true };

    public string? SetName { get; } = reply.GetValue("setName", BsonNull.Value) is BsonString s ? s.Value : null;

    /// <summary>The primary this member knows of, "host:port".</summary>
    public string? Primary { get; } = reply.GetValue("primary", BsonNull.Value) is BsonString p ? p.Value : null;

    public int MaxBsonObjectSize { get; } = reply.GetValue("maxBsonObjectSize", 16 * 1024 * 1024).AsInt32;

    public int MaxMessageSizeBytes { get; } = reply.GetValue("maxMessageSizeBytes", 48_000_000).AsInt32;

    public int MaxWriteBatchSize { get; } = reply.GetValue("maxWriteBatchSize", 100_000).AsInt32;

    public int MaxWireVersion { get; } = reply.GetValue("maxWireVersion", 0).AsInt32;

    /// <summary>The SCRAM mechanisms the server offers for the user named in the handshake, if it said.</summary>
    public IReadOnlyList<string>? SaslSupportedMechs { get; } =
        reply.GetValue("saslSupportedMechs", BsonNull.Value) is BsonArray mechs ? mechs.Select(m => m.AsString).ToList() : null;

    public string Describe() => IsWritablePrimary ? (SetName is null ? "a standalone or primary" : $"the primary of replica set '{SetName}'")
        : IsSecondary ? $"a secondary of replica set '{SetName}'"
        : SetName is null ? "not writable" : $"a non-primary member of replica set '{SetName}'";
}
