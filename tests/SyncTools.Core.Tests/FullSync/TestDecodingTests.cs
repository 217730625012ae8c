using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.Tests.FullSync;

/// <summary>Lines as PostgreSQL 15's test_decoding writes them.</summary>
public sealed class TestDecodingTests
{
    [Theory]
    [InlineData("table public.items: INSERT: id[integer]:5 name[text]:'a b'", "id", "INSERT", new[] { "5" })]
    [InlineData("table public.items: UPDATE: old-key: id[integer]:5 new-tuple: id[integer]:6 name[text]:'x'", "id", "UPDATE", new[] { "5", "6" })]
    [InlineData("table public.items: DELETE: id[integer]:7", "id", "DELETE", new[] { "7" })]
    [InlineData("table public.items: DELETE: (no-tuple-data)", "id", "DELETE", new string[0])]
    [InlineData("table public.items: TRUNCATE: (no-flags)", "id", "TRUNCATE", new string[0])]
    [InlineData("table s.\"Odd\": INSERT: \"Key Col\"[character varying]:'it''s: [x]' tags[text[]]:'{a,b}'", "Key Col", "INSERT", new[] { "it's: [x]" })]
    [InlineData("table s.t: INSERT: code[text]:'null' other[text]:null", "code", "INSERT", new[] { "null" })]
    [InlineData("table s.t: INSERT: at[timestamp with time zone]:'2024-01-01 00:00:00+00' id[bigint]:9", "id", "INSERT", new[] { "9" })]
    public void Reads_the_operation_and_the_columns_values(string line, string column, string operation, string[] values)
    {
        var parsed = TestDecoding.Parse(line, column);

        Assert.Equal(operation, parsed.Operation);
        Assert.Equal(values, parsed.Values);
    }

    [Theory]
    [InlineData("BEGIN 1234")]
    [InlineData("table public.items")]
    public void Other_lines_are_refused(string line) => Assert.Throws<FormatException>(() => TestDecoding.Parse(line, "id"));
}
