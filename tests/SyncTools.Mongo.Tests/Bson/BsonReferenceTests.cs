using System.Text.Json;
using SyncTools.Mongo.Bson;
using SyncTools.Mongo.Tests.Reference;

namespace SyncTools.Mongo.Tests.Bson;

/// <summary>
/// Our BSON against the official `bson` npm package, both ways: it decodes what we encode to the document our
/// Extended JSON describes, it encodes that document to the very bytes we wrote, and we decode its bytes back to ours.
/// </summary>
public class BsonReferenceTests
{
    private sealed record Result(string Name, string? Decoded, string? Expected, string? ReencodedHex, string? Error);

    private static readonly Lazy<Dictionary<string, Result>> Results = new(RunReference);

    public static TheoryData<string> CaseNames => new(BsonCorpus.Cases().Select(c => c.Name));

    private static BsonDocument Document(string name) => BsonCorpus.Cases().Single(c => c.Name == name).Document;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_reference_decodes_our_bytes_to_the_document_our_extended_json_describes(string name)
    {
        var result = Results.Value[name];

        Assert.Null(result.Error);
        Assert.Equal(result.Expected, result.Decoded);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_reference_encodes_that_document_to_our_exact_bytes(string name)
    {
        Assert.Equal(Convert.ToHexString(BsonSerializer.Serialize(Document(name))).ToLowerInvariant(), Results.Value[name].ReencodedHex);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void We_decode_the_references_bytes_to_the_original_document(string name)
    {
        var decoded = BsonSerializer.Deserialize(Convert.FromHexString(Results.Value[name].ReencodedHex!));

        Assert.Equal(Document(name), decoded);
    }

    private static Dictionary<string, Result> RunReference()
    {
        var input = Path.GetTempFileName();
        try
        {
            var cases = BsonCorpus.Cases().Select(c => new
            {
                name = c.Name,
                hex = Convert.ToHexString(BsonSerializer.Serialize(c.Document)),
                ejson = ExtendedJson.Write(c.Document, canonical: true),
            });
            File.WriteAllText(input, JsonSerializer.Serialize(cases));
            var stdout = NodeReference.Run("bson-reference.mjs", input);
            var results = JsonSerializer.Deserialize<List<Result>>(stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            return results.ToDictionary(r => r.Name);
        }
        finally
        {
            File.Delete(input);
        }
    }
}
