using Npgsql;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using MongoDB.Bson;

namespace SyncTools.Core.Tests.FullSync;

/// <summary>The PostgreSQL side of Start-FullSync against the test PostgreSQL: type mapping and keyset paging.</summary>
public sealed class KeysetPagerTests : IAsyncLifetime
{
    private readonly string _schema = TestServices.UniqueName("fs").Replace('-', '_');
    private NpgsqlConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _connection = new NpgsqlConnection(TestServices.Postgres + ";ArrayNullabilityMode=PerInstance");
        await _connection.OpenAsync();
        await Execute($"CREATE SCHEMA {_schema}; SET search_path TO {_schema}");
    }

    public async Task DisposeAsync()
    {
        await Execute($"DROP SCHEMA {_schema} CASCADE");
        await _connection.DisposeAsync();
    }

    private async Task Execute(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<BsonDocument>> ReadAll(string table, string? key = null, string? where = null, int pageSize = 100)
    {
        var pager = await KeysetPager.CreateAsync(_connection, _schema, table, key, where, pageSize, CancellationToken.None);
        var documents = new List<BsonDocument>();
        await foreach (var page in pager.ReadAsync(_connection, null, CancellationToken.None))
        {
            Assert.InRange(page.Documents.Count, 1, pageSize);
            documents.AddRange(page.Documents);
        }

        return documents;
    }

    [Fact]
    public async Task Maps_every_common_type_to_its_documented_BSON_form()
    {
        await Execute("""
            CREATE TYPE mood AS ENUM ('sad', 'happy');
            CREATE TABLE typed (
              id bigint PRIMARY KEY, small smallint, whole integer, real4 real, double8 double precision, flag boolean,
              label text, code varchar(10), padded char(4), money_n numeric(12, 2), huge numeric, at_local timestamp,
              at_zone timestamptz, day date, uid uuid, raw bytea, doc jsonb, plain json, tags text[], scores integer[],
              feeling mood, span interval, nothing text);
            INSERT INTO typed VALUES (9000000000, 7, -42, 1.5, 2.25, true, 'ünïcode', 'v', 'ab', 12345.67,
              123456789012345678901234567890123456789.5, '2024-02-29 13:14:15.678', '2024-02-29 13:14:15.678+02', '2024-02-29',
              '00112233-4455-6677-8899-aabbccddeeff', '\x00ff10', '{"a": {"b": [1, 2.5, null, "x"]}, "n": 9007199254740993}', '[true]',
              ARRAY['x', NULL, 'z'], ARRAY[1, 2], 'happy', '1 day 02:03:04', NULL);
            """);

        var document = Assert.Single(await ReadAll("typed"));

        Assert.Equal(new BsonInt64(9_000_000_000), document["_id"]);
        Assert.Equal(new BsonInt64(9_000_000_000), document["id"]);
        Assert.Equal(new BsonInt32(7), document["small"]);
        Assert.Equal(new BsonInt32(-42), document["whole"]);
        Assert.Equal(new BsonDouble(1.5), document["real4"]);
        Assert.Equal(new BsonDouble(2.25), document["double8"]);
        Assert.Equal(BsonBoolean.True, document["flag"]);
        Assert.Equal(new BsonString("ünïcode"), document["label"]);
        Assert.Equal(new BsonString("ab  "), document["padded"]);
        Assert.Equal(new BsonDecimal128(Decimal128.Parse("12345.67")), document["money_n"]);
        Assert.Equal(new BsonString("123456789012345678901234567890123456789.5"), document["huge"]);
        Assert.Equal(new BsonDateTime(new DateTimeOffset(2024, 2, 29, 13, 14, 15, 678, TimeSpan.Zero).UtcDateTime), document["at_local"]);
        Assert.Equal(new BsonDateTime(new DateTimeOffset(2024, 2, 29, 11, 14, 15, 678, TimeSpan.Zero).UtcDateTime), document["at_zone"]);
        Assert.Equal(new BsonDateTime(new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero).UtcDateTime), document["day"]);
        Assert.Equal(new BsonBinaryData(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), GuidRepresentation.Standard), document["uid"]);
        Assert.Equal(new BsonBinaryData([0x00, 0xff, 0x10]), document["raw"]);
        Assert.Equal(new BsonDocument { { "a", new BsonDocument("b", new BsonArray { 1, 2.5, BsonNull.Value, "x" }) }, { "n", 9007199254740993L } }, document["doc"]);
        Assert.Equal(new BsonArray { true }, document["plain"]);
        Assert.Equal(new BsonArray { "x", BsonNull.Value, "z" }, document["tags"]);
        Assert.Equal(new BsonArray { 1, 2 }, document["scores"]);
        Assert.Equal(new BsonString("happy"), document["feeling"]);
        Assert.Equal(new BsonString("1 day 02:03:04"), document["span"]);
        Assert.Equal(BsonNull.Value, document["nothing"]);
    }

    [Fact]
    public async Task Json_values_are_documents_arrays_and_scalars_as_PostgreSQL_keeps_them()
    {
        await Execute("""
            CREATE TABLE docs (id int PRIMARY KEY, b jsonb, j json);
            INSERT INTO docs VALUES
              (1, '{"bb": 1, "a": {"x": [1, {"y": "z"}, []]}, "c": "t\"q\u00e9"}', '{"k": 1, "k": {"v": 2}, "e": {}}'),
              (2, '123456789012345678901234567890', '2.5'),
              (3, '[1, "a", null, true, false, -7.25, 4294967296]', '"text"'),
              (4, 'null', 'null');
            """);

        var documents = await ReadAll("docs");

        // jsonb orders an object's keys (shorter first) and keeps one value per key; json keeps its text's order and the last value.
        Assert.Equal(new BsonDocument { { "a", new BsonDocument("x", new BsonArray { 1, new BsonDocument("y", "z"), new BsonArray() }) }, { "c", "t\"q\u00e9" }, { "bb", 1 } }, documents[0]["b"]);
        Assert.Equal(new BsonDocument { { "k", new BsonDocument("v", 2) }, { "e", new BsonDocument() } }, documents[0]["j"]);
        Assert.Equal(new BsonDecimal128(Decimal128.Parse("123456789012345678901234567890")), documents[1]["b"]);
        Assert.Equal(new BsonDouble(2.5), documents[1]["j"]);
        Assert.Equal(new BsonArray { 1, "a", BsonNull.Value, true, false, -7.25, 4294967296L }, documents[2]["b"]);
        Assert.Equal(new BsonString("text"), documents[2]["j"]);
        Assert.Equal(BsonNull.Value, documents[3]["b"]);
        Assert.Equal(BsonNull.Value, documents[3]["j"]);
    }

    [Fact]
    public async Task Arrays_of_every_kind_keep_their_elements_and_their_dimensions()
    {
        await Execute("""
            CREATE TYPE tone AS ENUM ('low', 'high');
            CREATE TABLE lists (id int PRIMARY KEY, grid int[], cube text[], amounts numeric[], docs jsonb[], ids uuid[],
              blobs bytea[], flags bool[], tones tone[], spans interval[], shifted int8[], empty int[], reals real[]);
            INSERT INTO lists VALUES (1, '{{1,2,3},{4,NULL,6}}', '{{{a,b}},{{"c d",NULL}}}', ARRAY[1.50, NULL, 123456789012345678901234567890123456789.5],
              ARRAY['{"k": [1]}', 'null']::jsonb[], ARRAY['00112233-4455-6677-8899-aabbccddeeff']::uuid[], ARRAY['\x01ff']::bytea[],
              ARRAY[true, false], ARRAY['high', 'low']::tone[], ARRAY['1 day']::interval[], '[5:6]={-9000000000,7}', '{}', ARRAY[0.5]::real[]);
            """);

        var document = Assert.Single(await ReadAll("lists"));

        Assert.Equal(new BsonArray { new BsonArray { 1, 2, 3 }, new BsonArray { 4, BsonNull.Value, 6 } }, document["grid"]);
        Assert.Equal(new BsonArray { new BsonArray { new BsonArray { "a", "b" } }, new BsonArray { new BsonArray { "c d", BsonNull.Value } } }, document["cube"]);
        Assert.Equal(new BsonArray { new BsonDecimal128(Decimal128.Parse("1.50")), BsonNull.Value, "123456789012345678901234567890123456789.5" }, document["amounts"]);
        Assert.Equal(new BsonArray { new BsonDocument("k", new BsonArray { 1 }), BsonNull.Value }, document["docs"]);
        Assert.Equal(new BsonArray { new BsonBinaryData(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), GuidRepresentation.Standard) }, document["ids"]);
        Assert.Equal(new BsonArray { new BsonBinaryData([0x01, 0xff]) }, document["blobs"]);
        Assert.Equal(new BsonArray { true, false }, document["flags"]);
        Assert.Equal(new BsonArray { "high", "low" }, document["tones"]);
        Assert.Equal(new BsonArray { "1 day" }, document["spans"]);
        Assert.Equal(new BsonArray { -9_000_000_000L, 7L }, document["shifted"]); // the elements; the lower bound is not kept
        Assert.Equal(new BsonArray(), document["empty"]);
        Assert.Equal(new BsonArray { 0.5 }, document["reals"]);
    }

    [Fact]
    public async Task A_connection_that_asks_for_text_not_in_UTF8_or_a_row_too_large_for_MongoDB_is_a_clear_error()
    {
        // A SQL_ASCII database stores any bytes as text, and sends them as they are to a client that asks for SQL_ASCII
        // (to one that asks for UTF-8, the server refuses them itself); MongoDB's strings must be UTF-8.
        await using (var ascii = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestServices.Postgres) { ClientEncoding = "SQL_ASCII" }.ConnectionString))
        {
            await ascii.OpenAsync();
            var encoding = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(ascii, _schema, "big", null, null, 10, CancellationToken.None));

            Assert.Equal(("PgClientEncodingNotUtf8", JobErrorCategory.InvalidArgument), (encoding.ErrorId, encoding.Category));
            Assert.Contains("SQL_ASCII", encoding.Message);
        }

        await Execute("CREATE TABLE big (id int PRIMARY KEY, head text, body text, tail text); INSERT INTO big VALUES (1, 'a', 'small', 'z'), (2, 'a', repeat('x', 17 * 1024 * 1024), 'z')");
        var tooLarge = await Assert.ThrowsAsync<SyncToolsException>(() => ReadAll("big"));

        Assert.Equal(("PgRowTooLarge", JobErrorCategory.InvalidData), (tooLarge.ErrorId, tooLarge.Category));
        Assert.Contains("\"id\" = 2", tooLarge.Message);
        Assert.Contains("16,777,216", tooLarge.Message);
        Assert.Contains("\"body\"", tooLarge.Message);
    }

    [Fact]
    public async Task Pages_by_key_over_gaps_and_text_keys_with_the_users_filter()
    {
        await Execute("""
            CREATE TABLE gaps (id integer PRIMARY KEY, v text);
            INSERT INTO gaps SELECT i * 7, 'v' || i FROM generate_series(1, 250) i WHERE i % 3 <> 0;
            CREATE TABLE words (word text COLLATE "C" PRIMARY KEY, n integer);
            INSERT INTO words SELECT md5(i::text), i FROM generate_series(1, 120) i;
            """);

        var gaps = await ReadAll("gaps", pageSize: 16);
        var words = await ReadAll("words", pageSize: 7);
        var filtered = await ReadAll("gaps", where: "v LIKE 'v1%' OR id < 20", pageSize: 5);

        Assert.Equal(Enumerable.Range(1, 250).Where(i => i % 3 != 0).Select(i => (long)(i * 7)), gaps.Select(d => d["_id"].ToInt64()));
        Assert.Equal(words.Select(d => d["word"].AsString).Order(StringComparer.Ordinal), words.Select(d => d["_id"].AsString));
        Assert.Equal(120, words.Select(d => d["_id"].AsString).Distinct().Count());
        Assert.Equal(gaps.Where(d => d["v"].AsString.StartsWith("v1", StringComparison.Ordinal) || d["_id"].ToInt64() < 20).Select(d => d["_id"]), filtered.Select(d => d["_id"]));
    }

    [Fact]
    public async Task A_missing_table_key_or_primary_key_is_a_clear_error()
    {
        await Execute("CREATE TABLE nokey (a integer, b text); CREATE TABLE keyed (id integer PRIMARY KEY, status text)");

        var table = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(_connection, _schema, "absent", null, null, 10, CancellationToken.None));
        var primary = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(_connection, _schema, "nokey", null, null, 10, CancellationToken.None));
        var key = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(_connection, _schema, "nokey", "c\"; DROP", null, 10, CancellationToken.None));

        var filter = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(_connection, _schema, "keyed", null, "statuz <> 'deleted'", 10, CancellationToken.None));

        Assert.Equal(("PgFilterInvalid", JobErrorCategory.InvalidArgument), (filter.ErrorId, filter.Category));
        Assert.Contains("statuz", filter.Message);
        Assert.Equal(("PgTableNotFound", JobErrorCategory.ObjectNotFound), (table.ErrorId, table.Category));
        Assert.Equal("PgPrimaryKeyMissing", primary.ErrorId);
        Assert.Equal("PgKeyNotFound", key.ErrorId);
        Assert.Contains("\"c\"\"; DROP\"", key.Message);
    }

    [Fact]
    public async Task A_column_named_id_beside_another_key_is_refused_and_as_the_key_is_written_once()
    {
        await Execute("""
            CREATE TABLE clash (id integer PRIMARY KEY, _id text);
            CREATE TABLE own (_id integer PRIMARY KEY, v text);
            INSERT INTO own VALUES (5, 'x');
            """);

        var clash = await Assert.ThrowsAsync<SyncToolsException>(() => KeysetPager.CreateAsync(_connection, _schema, "clash", null, null, 10, CancellationToken.None));
        var document = Assert.Single(await ReadAll("own"));

        Assert.Equal(("PgIdColumnConflict", JobErrorCategory.InvalidArgument), (clash.ErrorId, clash.Category));
        Assert.Contains("\"_id\"", clash.Message);
        Assert.Equal(new BsonDocument { { "_id", 5 }, { "v", "x" } }, document);
    }

    [Fact]
    public async Task Dates_before_year_one_map_exactly_and_infinities_by_name_in_columns_and_arrays()
    {
        await Execute("""
            CREATE TABLE ancient (id int PRIMARY KEY, day date, at timestamp, at_zone timestamptz);
            INSERT INTO ancient VALUES
              (1, '0044-03-15 BC', '4713-01-01 12:30:15.123 BC', '4713-01-01 00:00:00+00 BC'),
              (2, 'infinity', '-infinity', 'infinity'),
              (3, '1969-12-31', '1969-12-31 23:59:59.9995', '2024-02-29 13:14:15.678901+00');
            CREATE TABLE ancient_list (id int PRIMARY KEY, days date[], ats timestamp[]);
            INSERT INTO ancient_list VALUES (1, ARRAY['2024-01-01', 'infinity']::date[], NULL), (2, NULL, ARRAY['1969-12-31 23:59:59.9995']::timestamp[]);
            """);

        var documents = await ReadAll("ancient");
        var lists = await ReadAll("ancient_list");

        // Expected milliseconds from JavaScript's proleptic Gregorian calendar (Date.UTC), not from PostgreSQL.
        Assert.Equal(new BsonDateTime(-63_517_824_000_000), documents[0]["day"]);
        Assert.Equal(new BsonDateTime(-210_863_474_984_877), documents[0]["at"]);
        Assert.Equal(new BsonDateTime(-210_863_520_000_000), documents[0]["at_zone"]);
        Assert.Equal(new BsonDocument { { "_id", 2 }, { "id", 2 }, { "day", "infinity" }, { "at", "-infinity" }, { "at_zone", "infinity" } }, documents[1]);
        Assert.Equal(new BsonDateTime(-86_400_000), documents[2]["day"]);
        Assert.Equal(new BsonDateTime(-1), documents[2]["at"]); // rounded down: the same second and day, as on the calendar
        Assert.Equal(new BsonDateTime(1_709_212_455_678), documents[2]["at_zone"]);
        // In an array as in a column: infinity by name, and the same rounding.
        Assert.Equal(new BsonArray { new BsonDateTime(1_704_067_200_000), "infinity" }, lists[0]["days"]);
        Assert.Equal(new BsonArray { new BsonDateTime(-1) }, lists[1]["ats"]);
    }
}
