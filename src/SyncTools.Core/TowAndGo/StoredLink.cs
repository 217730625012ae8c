using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace SyncTools.Core.TowAndGo;

/// <summary>What the diff needs of a link document already in the collection: its _id and segment_id (null when absent).</summary>
public sealed record StoredLink(BsonValue Id, BsonValue SegmentId)
{
    /// <summary>Reads the two fields straight from the reply's bytes and skips every other field: no document is built.</summary>
    public static readonly IBsonSerializer<StoredLink> Serializer = new StoredLinkSerializer();

    private sealed class StoredLinkSerializer : SerializerBase<StoredLink>
    {
        public override StoredLink Deserialize(BsonDeserializationContext context, BsonDeserializationArgs args)
        {
            var reader = context.Reader;
            BsonValue id = BsonNull.Value, segment = BsonNull.Value;
            reader.ReadStartDocument();
            while (reader.ReadBsonType() != BsonType.EndOfDocument)
            {
                switch (reader.ReadName(Utf8NameDecoder.Instance))
                {
                    case "_id": id = BsonValueSerializer.Instance.Deserialize(context); break;
                    case "segment_id": segment = BsonValueSerializer.Instance.Deserialize(context); break;
                    default: reader.SkipValue(); break;
                }
            }

            reader.ReadEndDocument();
            return new StoredLink(id, segment);
        }
    }
}
