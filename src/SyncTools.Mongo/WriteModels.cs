using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo;

internal enum WriteKind { Insert, Update, Delete }

/// <summary>One request of a bulk write, named as in MongoDB.Driver.</summary>
public abstract class WriteModel
{
    internal abstract WriteKind Kind { get; }

    /// <summary>The statement in the insert/update/delete command's document sequence.</summary>
    internal abstract BsonDocument ToStatement();
}

public sealed class InsertOneModel(BsonDocument document) : WriteModel
{
    public BsonDocument Document { get; } = document ?? throw new ArgumentNullException(nameof(document));

    internal override WriteKind Kind => WriteKind.Insert;

    internal override BsonDocument ToStatement() => Document;
}

/// <summary>Updates the first document matching <see cref="Filter"/> with update operators or an aggregation pipeline.</summary>
public sealed class UpdateOneModel : WriteModel
{
    public UpdateOneModel(BsonDocument filter, BsonValue update)
    {
        Filter = filter ?? throw new ArgumentNullException(nameof(filter));
        Update = update switch
        {
            BsonDocument { ElementCount: > 0 } d when d.Names.All(n => n.StartsWith('$')) => d,
            BsonArray pipeline => pipeline,
            _ => throw new ArgumentException("An update is a document of update operators ($set, $unset, ...) or a pipeline; use ReplaceOneModel to replace a whole document.", nameof(update)),
        };
    }

    public BsonDocument Filter { get; }

    public BsonValue Update { get; }

    public bool IsUpsert { get; init; }

    internal override WriteKind Kind => WriteKind.Update;

    internal override BsonDocument ToStatement() =>
        new() { { "q", Filter }, { "u", Update }, { "upsert", IsUpsert }, { "multi", false } };
}

/// <summary>Replaces the first document matching <see cref="Filter"/>.</summary>
public sealed class ReplaceOneModel : WriteModel
{
    public ReplaceOneModel(BsonDocument filter, BsonDocument replacement)
    {
        Filter = filter ?? throw new ArgumentNullException(nameof(filter));
        Replacement = replacement ?? throw new ArgumentNullException(nameof(replacement));
        if (replacement.Names.Any(n => n.StartsWith('$')))
        {
            throw new ArgumentException("A replacement document cannot hold update operators ($...); use UpdateOneModel for those.", nameof(replacement));
        }
    }

    public BsonDocument Filter { get; }

    public BsonDocument Replacement { get; }

    public bool IsUpsert { get; init; }

    internal override WriteKind Kind => WriteKind.Update;

    internal override BsonDocument ToStatement() =>
        new() { { "q", Filter }, { "u", Replacement }, { "upsert", IsUpsert }, { "multi", false } };
}

public sealed class DeleteOneModel(BsonDocument filter) : WriteModel
{
    public BsonDocument Filter { get; } = filter ?? throw new ArgumentNullException(nameof(filter));

    internal override WriteKind Kind => WriteKind.Delete;

    internal override BsonDocument ToStatement() => new() { { "q", Filter }, { "limit", 1 } };
}

public sealed class DeleteManyModel(BsonDocument filter) : WriteModel
{
    public BsonDocument Filter { get; } = filter ?? throw new ArgumentNullException(nameof(filter));

    internal override WriteKind Kind => WriteKind.Delete;

    internal override BsonDocument ToStatement() => new() { { "q", Filter }, { "limit", 0 } };
}

public sealed class BulkWriteOptions
{
    /// <summary>Ordered (the default) stops at the first error; unordered applies every request it can.</summary>
    public bool IsOrdered { get; init; } = true;
}

/// <summary>An upsert that inserted: the request's index and the new document's _id.</summary>
public readonly record struct BulkWriteUpsert(int Index, BsonValue Id);

/// <summary>A request the server refused, by its index in the requests given.</summary>
public readonly record struct BulkWriteError(int Index, int Code, string CodeName, string Message);

public sealed class BulkWriteResult
{
    public int RequestCount { get; internal set; }

    public long InsertedCount { get; internal set; }

    public long MatchedCount { get; internal set; }

    public long ModifiedCount { get; internal set; }

    public long DeletedCount { get; internal set; }

    public List<BulkWriteUpsert> Upserts { get; } = new();

    public long UpsertedCount => Upserts.Count;
}

/// <summary>Some requests of a bulk write failed; <see cref="Result"/> says what the others did.</summary>
public sealed class MongoBulkWriteException(BulkWriteResult result, IReadOnlyList<BulkWriteError> writeErrors, string? writeConcernError)
    : MongoException(Describe(writeErrors, writeConcernError))
{
    public BulkWriteResult Result { get; } = result;

    public IReadOnlyList<BulkWriteError> WriteErrors { get; } = writeErrors;

    public string? WriteConcernError { get; } = writeConcernError;

    private static string Describe(IReadOnlyList<BulkWriteError> errors, string? concern)
    {
        var listed = errors.Take(5).Select(e => $"request {e.Index}: {e.Message} (code {e.Code}{(e.CodeName.Length > 0 ? " " + e.CodeName : "")})");
        var more = errors.Count > 5 ? $"; and {errors.Count - 5} more" : "";
        var concernText = concern is null ? "" : $" Write concern error: {concern}.";
        return $"{errors.Count} write error(s): {string.Join("; ", listed)}{more}.{concernText}";
    }
}
