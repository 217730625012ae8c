using System.Buffers.Binary;

namespace SyncTools.Mongo.Bson;

public sealed class BsonDouble(double value) : BsonValue
{
    public double Value { get; } = value;

    public override BsonType BsonType => BsonType.Double;

    // Bitwise, so NaN equals NaN and -0.0 differs from 0.0, as round trips need.
    public override bool Equals(BsonValue? other) => other is BsonDouble d && BitConverter.DoubleToInt64Bits(d.Value) == BitConverter.DoubleToInt64Bits(Value);

    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BsonString(string value) : BsonValue
{
    public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    public override BsonType BsonType => BsonType.String;

    public override bool Equals(BsonValue? other) => other is BsonString s && s.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BsonInt32(int value) : BsonValue
{
    public int Value { get; } = value;

    public override BsonType BsonType => BsonType.Int32;

    public override bool Equals(BsonValue? other) => other is BsonInt32 i && i.Value == Value;

    public override int GetHashCode() => Value;
}

public sealed class BsonInt64(long value) : BsonValue
{
    public long Value { get; } = value;

    public override BsonType BsonType => BsonType.Int64;

    public override bool Equals(BsonValue? other) => other is BsonInt64 l && l.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BsonDecimal128(Decimal128 value) : BsonValue
{
    public Decimal128 Value { get; } = value;

    public override BsonType BsonType => BsonType.Decimal128;

    public override bool Equals(BsonValue? other) => other is BsonDecimal128 d && d.Value.Equals(Value);

    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BsonBoolean : BsonValue
{
    public static readonly BsonBoolean True = new(true);
    public static readonly BsonBoolean False = new(false);

    private BsonBoolean(bool value) => Value = value;

    public bool Value { get; }

    public override BsonType BsonType => BsonType.Boolean;

    public override bool Equals(BsonValue? other) => other is BsonBoolean b && b.Value == Value;

    public override int GetHashCode() => Value ? 1 : 0;
}

public sealed class BsonObjectId(ObjectId value) : BsonValue
{
    public ObjectId Value { get; } = value;

    public override BsonType BsonType => BsonType.ObjectId;

    public override bool Equals(BsonValue? other) => other is BsonObjectId o && o.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();
}

/// <summary>A UTC datetime: milliseconds since the unix epoch, any 64-bit value (before 1970 and far past 9999 too).</summary>
public sealed class BsonDateTime(long millisecondsSinceEpoch) : BsonValue
{
    private static readonly long MinMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public long MillisecondsSinceEpoch { get; } = millisecondsSinceEpoch;

    public override BsonType BsonType => BsonType.DateTime;

    /// <summary>Whether the value lies in .NET's range (years 1 to 9999).</summary>
    public bool IsValidDateTime => MillisecondsSinceEpoch >= MinMilliseconds && MillisecondsSinceEpoch <= MaxMilliseconds;

    /// <summary>A DateTime is taken as UTC unless its Kind is Local; milliseconds are kept, ticks below them dropped.</summary>
    public static BsonDateTime From(DateTime value) =>
        From(new DateTimeOffset(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc)));

    public static BsonDateTime From(DateTimeOffset value) => new(value.ToUnixTimeMilliseconds());

    public DateTimeOffset ToDateTimeOffset() => IsValidDateTime
        ? DateTimeOffset.FromUnixTimeMilliseconds(MillisecondsSinceEpoch)
        : throw new OverflowException($"The BSON datetime {MillisecondsSinceEpoch} ms since 1970 lies outside the years 1 to 9999 that .NET can hold.");

    public DateTime ToUniversalTime() => ToDateTimeOffset().UtcDateTime;

    public override bool Equals(BsonValue? other) => other is BsonDateTime d && d.MillisecondsSinceEpoch == MillisecondsSinceEpoch;

    public override int GetHashCode() => MillisecondsSinceEpoch.GetHashCode();
}

/// <summary>A MongoDB internal timestamp: seconds since the epoch and an increment.</summary>
public sealed class BsonTimestamp(uint timestamp, uint increment) : BsonValue
{
    public BsonTimestamp(ulong value) : this((uint)(value >> 32), (uint)value)
    {
    }

    public uint Timestamp { get; } = timestamp;

    public uint Increment { get; } = increment;

    public ulong Value => ((ulong)Timestamp << 32) | Increment;

    public override BsonType BsonType => BsonType.Timestamp;

    public override bool Equals(BsonValue? other) => other is BsonTimestamp t && t.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BsonRegularExpression : BsonValue
{
    public BsonRegularExpression(string pattern, string options = "")
    {
        Pattern = pattern;
        // The spec stores options in alphabetical order.
        Options = new string(options.Order().ToArray());
    }

    public string Pattern { get; }

    public string Options { get; }

    public override BsonType BsonType => BsonType.RegularExpression;

    public override bool Equals(BsonValue? other) => other is BsonRegularExpression r && r.Pattern == Pattern && r.Options == Options;

    public override int GetHashCode() => HashCode.Combine(Pattern, Options);
}

/// <summary>Binary data with its subtype; subtype 4 is a UUID in RFC 4122 (big-endian) byte order.</summary>
public sealed class BsonBinaryData(byte[] bytes, byte subType = BsonBinaryData.Generic) : BsonValue
{
    public const byte Generic = 0x00;
    public const byte OldBinary = 0x02;
    public const byte UuidLegacy = 0x03;
    public const byte Uuid = 0x04;
    public const byte Md5 = 0x05;

    public byte[] Bytes { get; } = bytes ?? throw new ArgumentNullException(nameof(bytes));

    public byte SubType { get; } = subType;

    public override BsonType BsonType => BsonType.Binary;

    public static BsonBinaryData FromGuid(Guid value)
    {
        var bytes = new byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        return new BsonBinaryData(bytes, Uuid);
    }

    public Guid ToGuid() => SubType == Uuid && Bytes.Length == 16
        ? new Guid(Bytes, bigEndian: true)
        : throw new InvalidCastException($"BSON binary subtype {SubType} of {Bytes.Length} bytes is not a standard UUID (subtype 4, 16 bytes).");

    public override bool Equals(BsonValue? other) => other is BsonBinaryData b && b.SubType == SubType && b.Bytes.AsSpan().SequenceEqual(Bytes);

    public override int GetHashCode() => HashCode.Combine(SubType, Bytes.Length, Bytes.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(Bytes) : 0);
}

public sealed class BsonNull : BsonValue
{
    public static readonly BsonNull Value = new();

    private BsonNull()
    {
    }

    public override BsonType BsonType => BsonType.Null;

    public override bool Equals(BsonValue? other) => other is BsonNull;

    public override int GetHashCode() => 0;
}

public sealed class BsonMinKey : BsonValue
{
    public static readonly BsonMinKey Value = new();

    private BsonMinKey()
    {
    }

    public override BsonType BsonType => BsonType.MinKey;

    public override bool Equals(BsonValue? other) => other is BsonMinKey;

    public override int GetHashCode() => -1;
}

public sealed class BsonMaxKey : BsonValue
{
    public static readonly BsonMaxKey Value = new();

    private BsonMaxKey()
    {
    }

    public override BsonType BsonType => BsonType.MaxKey;

    public override bool Equals(BsonValue? other) => other is BsonMaxKey;

    public override int GetHashCode() => int.MaxValue;
}
