using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Bson.Serialization.Serializers;

namespace SyncTools.Core.TowAndGo;

/// <summary>Where a run's links come from: the snapshot and its S3 object, and when the run wrote them.</summary>
public sealed record LinkSource(DateTimeOffset SnapshotTime, long LastModified, string Bucket, string Key, DateTime SyncedAt);

/// <summary>
/// The document Sync-TowAndGoToMongo keeps for one link: <c>_id</c> = <c>link_id</c>, <c>segment_id</c> (null kept),
/// <c>snapshot_time</c>, <c>last_modified</c>, <c>source_bucket</c>, <c>source_key</c>, <c>synced_at</c>. Its serializer
/// writes the fields straight into the driver's message: no BsonDocument is built per link.
/// </summary>
[BsonSerializer(typeof(Serializer))]
public sealed record LinkDocument(TowAndGoLink Link, LinkSource Source)
{
    /// <summary>The document's fields but <c>_id</c>: the <c>$set</c> of an update.</summary>
    public BsonDocument Fields => new BsonDocumentWrapper(this, WithoutId);

    private static readonly Serializer WithoutId = new(withId: false);

    public sealed class Serializer(bool withId) : SerializerBase<LinkDocument>
    {
        public Serializer() : this(withId: true) { }

        public override void Serialize(BsonSerializationContext context, BsonSerializationArgs args, LinkDocument value)
        {
            var (link, source) = (value.Link, value.Source);
            var writer = context.Writer;
            writer.WriteStartDocument();
            if (withId) writer.WriteInt64("_id", link.LinkId);
            writer.WriteInt64("link_id", link.LinkId);
            if (link.SegmentId is { } segment) writer.WriteInt64("segment_id", segment);
            else writer.WriteNull("segment_id");
            writer.WriteDateTime("snapshot_time", source.SnapshotTime.ToUnixTimeMilliseconds());
            writer.WriteInt64("last_modified", source.LastModified);
            writer.WriteString("source_bucket", source.Bucket);
            writer.WriteString("source_key", source.Key);
            writer.WriteDateTime("synced_at", BsonUtils.ToMillisecondsSinceEpoch(source.SyncedAt));
            writer.WriteEndDocument();
        }
    }
}
