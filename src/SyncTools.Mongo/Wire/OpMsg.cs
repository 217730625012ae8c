using System.Buffers.Binary;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Wire;

/// <summary>
/// Builds one OP_MSG request (MongoDB wire protocol, opcode 2013): a header, the command body (section kind 0)
/// and optionally one document sequence (section kind 1) that is filled until a size or count limit is reached.
/// </summary>
internal sealed class OpMsgBuilder : IDisposable
{
    public const int OpCode = 2013;
    private const int HeaderSize = 16;
    private readonly BsonBuffer _buffer = new(64 * 1024);
    private int _sequenceStart = -1;

    /// <summary>Starts a message with its command body.</summary>
    /// <param name="maxBodySize">The largest body allowed: the server's maxBsonObjectSize plus 16 KiB for the command around it.</param>
    public OpMsgBuilder(BsonDocument body, int maxBodySize)
    {
        _buffer.ReserveInt32(); // messageLength
        _buffer.ReserveInt32(); // requestID, set by the connection
        _buffer.WriteInt32(0);  // responseTo
        _buffer.WriteInt32(OpCode);
        _buffer.WriteInt32(0);  // flagBits
        _buffer.WriteByte(0);   // section kind 0: the body
        BsonSerializer.Serialize(body, _buffer, maxBodySize);
        CommandName = body.ElementCount > 0 ? body.Elements[0].Name : "";
    }

    /// <summary>The command's name: the body's first element, for messages.</summary>
    public string CommandName { get; }

    public int Length => _buffer.Length;

    public int SequenceCount { get; private set; }

    public void BeginSequence(string identifier)
    {
        _buffer.WriteByte(1);
        _sequenceStart = _buffer.ReserveInt32();
        _buffer.WriteCString(identifier, "sequence identifier");
    }

    /// <summary>Appends a document to the sequence unless the message would grow past <paramref name="maxMessageSize"/>.</summary>
    /// <returns>False, with nothing appended, when it does not fit (and the sequence already holds one).</returns>
    /// <exception cref="BsonSerializationException">The document alone is over <paramref name="maxDocumentSize"/>.</exception>
    public bool TryAdd(BsonDocument document, int maxDocumentSize, int maxMessageSize)
    {
        var before = _buffer.Length;
        BsonSerializer.Serialize(document, _buffer, maxDocumentSize);
        if (_buffer.Length > maxMessageSize && SequenceCount > 0)
        {
            _buffer.Truncate(before);
            return false;
        }

        SequenceCount++;
        return true;
    }

    /// <summary>Sets the lengths and the request id; the bytes stay valid until the builder is disposed.</summary>
    public ReadOnlyMemory<byte> Finish(int requestId)
    {
        if (_sequenceStart >= 0) _buffer.PatchInt32(_sequenceStart, _buffer.Length - _sequenceStart);
        _buffer.PatchInt32(0, _buffer.Length);
        _buffer.PatchInt32(4, requestId);
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _buffer.Dispose();

    /// <summary>Reads an OP_MSG reply (header included) and returns its body.</summary>
    /// <exception cref="MongoProtocolException">Anything but a well-formed OP_MSG answering <paramref name="requestId"/>.</exception>
    public static BsonDocument ReadReply(ReadOnlySpan<byte> message, int requestId)
    {
        var responseTo = BinaryPrimitives.ReadInt32LittleEndian(message[8..]);
        var opCode = BinaryPrimitives.ReadInt32LittleEndian(message[12..]);
        if (opCode != OpCode) throw new MongoProtocolException($"The server answered with opcode {opCode}, not OP_MSG ({OpCode}).");
        if (responseTo != requestId) throw new MongoProtocolException($"The server answered request {responseTo}, not {requestId}.");
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(message[HeaderSize..]);
        var end = (flags & 1) != 0 ? message.Length - 4 : message.Length; // checksumPresent: a CRC-32C trails the sections
        var position = HeaderSize + 4;
        BsonDocument? body = null;
        try
        {
            while (position < end)
            {
                var kind = message[position++];
                if (kind == 0)
                {
                    body = BsonSerializer.ReadDocument(message[..end], ref position, 0);
                }
                else if (kind == 1)
                {
                    if (position + 4 > end) throw new MongoProtocolException("A document sequence's size runs past the reply.");
                    var size = BinaryPrimitives.ReadInt32LittleEndian(message[position..]);
                    if (size < 5 || position + size > end) throw new MongoProtocolException($"A document sequence of {size} bytes runs past the reply.");
                    position += size; // replies to our commands carry their data in the body
                }
                else
                {
                    throw new MongoProtocolException($"The reply has an unknown section kind {kind}.");
                }
            }
        }
        catch (BsonSerializationException e)
        {
            throw new MongoProtocolException($"The server's reply is not valid BSON: {e.Message}", e);
        }

        return body ?? throw new MongoProtocolException("The server's reply has no body.");
    }
}
