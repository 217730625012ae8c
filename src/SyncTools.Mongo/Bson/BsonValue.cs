namespace SyncTools.Mongo.Bson;

/// <summary>
/// A BSON value. Equality is by type and value (an Int32 1 is not an Int64 1); <see cref="ToString"/> is relaxed
/// Extended JSON. Named like MongoDB.Driver's BsonValue so that a move to the official driver is mechanical.
/// </summary>
public abstract class BsonValue : IEquatable<BsonValue>
{
    public abstract BsonType BsonType { get; }

    public bool IsNull => BsonType == BsonType.Null;

    public bool IsString => BsonType == BsonType.String;

    public bool IsInt32 => BsonType == BsonType.Int32;

    public bool IsInt64 => BsonType == BsonType.Int64;

    public bool IsDouble => BsonType == BsonType.Double;

    public bool IsBoolean => BsonType == BsonType.Boolean;

    public bool IsBsonDocument => BsonType == BsonType.Document;

    public bool IsBsonArray => BsonType == BsonType.Array;

    public bool IsObjectId => BsonType == BsonType.ObjectId;

    public bool IsNumeric => BsonType is BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128;

    public string AsString => As<BsonString>().Value;

    public int AsInt32 => As<BsonInt32>().Value;

    public long AsInt64 => As<BsonInt64>().Value;

    public double AsDouble => As<BsonDouble>().Value;

    public bool AsBoolean => As<BsonBoolean>().Value;

    public Decimal128 AsDecimal128 => As<BsonDecimal128>().Value;

    public ObjectId AsObjectId => As<BsonObjectId>().Value;

    public BsonDocument AsBsonDocument => As<BsonDocument>();

    public BsonArray AsBsonArray => As<BsonArray>();

    public BsonBinaryData AsBsonBinaryData => As<BsonBinaryData>();

    public BsonDateTime AsBsonDateTime => As<BsonDateTime>();

    public BsonTimestamp AsBsonTimestamp => As<BsonTimestamp>();

    public Guid AsGuid => As<BsonBinaryData>().ToGuid();

    /// <summary>An Int32, Int64 or integral Double/Decimal128 as a long.</summary>
    public long ToInt64() => this switch
    {
        BsonInt32 i => i.Value,
        BsonInt64 l => l.Value,
        BsonDouble d when d.Value == Math.Floor(d.Value) && d.Value is >= long.MinValue and < 9.2233720368547758E+18 => (long)d.Value,
        BsonDecimal128 m => (long)m.Value.ToDecimal(),
        _ => throw new InvalidCastException($"A BSON {BsonType} value cannot be read as a 64-bit integer."),
    };

    /// <summary>Any numeric value as a double.</summary>
    public double ToDouble() => this switch
    {
        BsonInt32 i => i.Value,
        BsonInt64 l => l.Value,
        BsonDouble d => d.Value,
        BsonDecimal128 m => m.Value.ToDouble(),
        _ => throw new InvalidCastException($"A BSON {BsonType} value cannot be read as a number."),
    };

    /// <summary>A .NET value as BSON: see <see cref="BsonMapper.ToBson"/>.</summary>
    public static BsonValue Create(object? value) => BsonMapper.ToBson(value);

    /// <summary>This value as plain .NET: see <see cref="BsonMapper.ToDotNet"/>.</summary>
    public object? ToDotNet() => BsonMapper.ToDotNet(this);

    public abstract bool Equals(BsonValue? other);

    public override bool Equals(object? obj) => obj is BsonValue other && Equals(other);

    public abstract override int GetHashCode();

    public override string ToString() => ExtendedJson.Write(this, canonical: false);

    public static bool operator ==(BsonValue? left, BsonValue? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(BsonValue? left, BsonValue? right) => !(left == right);

    public static implicit operator BsonValue(bool value) => value ? BsonBoolean.True : BsonBoolean.False;

    public static implicit operator BsonValue(int value) => new BsonInt32(value);

    public static implicit operator BsonValue(long value) => new BsonInt64(value);

    public static implicit operator BsonValue(double value) => new BsonDouble(value);

    public static implicit operator BsonValue(decimal value) => new BsonDecimal128(new Decimal128(value));

    public static implicit operator BsonValue(Decimal128 value) => new BsonDecimal128(value);

    public static implicit operator BsonValue(string? value) => value is null ? BsonNull.Value : new BsonString(value);

    public static implicit operator BsonValue(ObjectId value) => new BsonObjectId(value);

    public static implicit operator BsonValue(Guid value) => BsonBinaryData.FromGuid(value);

    public static implicit operator BsonValue(DateTime value) => BsonDateTime.From(value);

    public static implicit operator BsonValue(DateTimeOffset value) => BsonDateTime.From(value);

    public static implicit operator BsonValue(byte[] value) => new BsonBinaryData(value);

    private T As<T>() where T : BsonValue =>
        this as T ?? throw new InvalidCastException($"A BSON {BsonType} value is not a {typeof(T).Name}.");
}
