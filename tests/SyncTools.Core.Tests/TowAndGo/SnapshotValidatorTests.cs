using System.Text;
using SyncTools.Core.Jobs;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Core.Tests.TowAndGo;

public class SnapshotValidatorTests
{
    private const string Sample = """
        {
          "last_modified": 1684216515,
          "tow_and_go": [
            { "link_id": 17806054, "segment_id": 457160414 },
            { "link_id": 17857682, "segment_id": 414984019 },
            { "link_id": 17857686, "segment_id": null }
          ]
        }
        """;

    private static TowAndGoSnapshot Parse(string json) => SnapshotValidator.Parse(Encoding.UTF8.GetBytes(json), "test input");

    private static SyncToolsException Invalid(string json) => Assert.Throws<SyncToolsException>(() => Parse(json));

    [Fact]
    public void The_source_designs_example_parses_with_its_null_segment()
    {
        var snapshot = Parse(Sample);

        Assert.Equal(1684216515, snapshot.LastModified);
        Assert.Equal(DateTimeOffset.Parse("2023-05-16T05:55:15Z"), snapshot.SnapshotTime);
        Assert.Equal(
            [new TowAndGoLink(17806054, 457160414), new TowAndGoLink(17857682, 414984019), new TowAndGoLink(17857686, null)],
            snapshot.Links.OrderBy(link => link.LinkId));
        Assert.Equal(1, snapshot.NullSegmentCount);
    }

    [Fact]
    public void An_empty_link_array_is_a_valid_snapshot()
    {
        Assert.Empty(Parse("""{"last_modified": 1, "tow_and_go": []}""").Links);
    }

    [Fact]
    public void Unknown_properties_are_ignored()
    {
        var snapshot = Parse("""{"last_modified": 5, "source": "x", "tow_and_go": [{"link_id": 1, "segment_id": 2, "speed": 3}]}""");
        Assert.Equal([new TowAndGoLink(1, 2)], snapshot.Links);
    }

    [Theory]
    [InlineData("{\"last_modified\": 1, \"tow_and_go\": [", "at line 1, position")]
    [InlineData("{\"last_modified\": 1,\n \"tow_and_go\": [}\n", "at line 2, position 17")]
    [InlineData("", "The input is empty.")]
    [InlineData("{'last_modified': 1}", "at line 1, position 2")]
    public void Malformed_json_says_where(string json, string where)
    {
        var error = Invalid(json);

        Assert.Equal("SnapshotMalformedJson", error.ErrorId);
        Assert.Equal(JobErrorCategory.InvalidData, error.Category);
        Assert.StartsWith("The Tow-and-Go snapshot from test input is not valid JSON", error.Message);
        Assert.Contains(where, error.Message);
        Assert.DoesNotContain("LineNumber", error.Message);
    }

    [Theory]
    [InlineData("[]", "the document must be a JSON object with last_modified and tow_and_go, not an array")]
    [InlineData("""{"tow_and_go": []}""", "last_modified is missing")]
    [InlineData("""{"last_modified": 0, "tow_and_go": []}""", "last_modified must be a positive integer of unix seconds, not the number 0")]
    [InlineData("""{"last_modified": -5, "tow_and_go": []}""", "last_modified must be a positive integer of unix seconds, not the number -5")]
    [InlineData("""{"last_modified": 1.5, "tow_and_go": []}""", "last_modified must be a positive integer of unix seconds, not the number 1.5")]
    [InlineData("""{"last_modified": "1684216515", "tow_and_go": []}""", "last_modified must be a positive integer of unix seconds, not the string \"1684216515\"")]
    [InlineData("""{"last_modified": null, "tow_and_go": []}""", "last_modified must be a positive integer of unix seconds, not null")]
    [InlineData("""{"last_modified": 1684216515000, "tow_and_go": []}""", "last_modified 1684216515000 is past the year 9999: it looks like milliseconds, and must be unix seconds")]
    [InlineData("""{"last_modified": 1}""", "tow_and_go is missing")]
    [InlineData("""{"last_modified": 1, "tow_and_go": {}}""", "tow_and_go must be an array, not an object")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [7]}""", "tow_and_go[0] must be an object with link_id and segment_id, not the number 7")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"segment_id": 1}]}""", "tow_and_go[0].link_id is missing")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 0, "segment_id": 1}]}""", "tow_and_go[0].link_id must be a positive integer, not the number 0")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": "12", "segment_id": 1}]}""", "tow_and_go[0].link_id must be a positive integer, not the string \"12\"")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 9223372036854775808, "segment_id": 1}]}""", "tow_and_go[0].link_id must be a positive integer, not the integer 9223372036854775808, out of range (from -9223372036854775808 to 9223372036854775807)")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 1}]}""", "tow_and_go[0].segment_id is missing (use null for a link without a segment)")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 1, "segment_id": true}]}""", "tow_and_go[0].segment_id must be an integer or null, not the boolean true")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 1, "segment_id": 2.5}]}""", "tow_and_go[0].segment_id must be an integer or null, not the number 2.5")]
    [InlineData("""{"last_modified": 1, "tow_and_go": [{"link_id": 1, "segment_id": 2}, {"link_id": 3, "segment_id": 4}, {"link_id": 1, "segment_id": 5}]}""", "tow_and_go[2].link_id 1 repeats tow_and_go[0].link_id")]
    public void Each_rule_names_the_field_and_element_it_broke(string json, string problem)
    {
        var error = Invalid(json);

        Assert.Equal("SnapshotInvalid", error.ErrorId);
        Assert.Equal(JobErrorCategory.InvalidData, error.Category);
        Assert.Equal("test input", error.Target);
        Assert.Equal($"The Tow-and-Go snapshot from test input is invalid (1 problem):{Environment.NewLine}  {problem}", error.Message);
    }

    [Fact]
    public void An_integer_beyond_Int64_from_ConvertFrom_Json_is_said_to_be_out_of_range()
    {
        // ConvertFrom-Json gives a BigInteger for 12345678901234567890: it must reach the validator as that number.
        var graph = new Dictionary<string, object?>
        {
            ["last_modified"] = 1684216515L,
            ["tow_and_go"] = new List<object?> { new Dictionary<string, object?> { ["link_id"] = System.Numerics.BigInteger.Parse("12345678901234567890"), ["segment_id"] = null } },
        };

        var error = Assert.Throws<SyncToolsException>(() => SnapshotValidator.Parse(SnapshotInput.FromObject(graph, "pipeline input").Json, "pipeline input"));

        Assert.Contains("tow_and_go[0].link_id must be a positive integer, not the integer 12345678901234567890, out of range", error.Message);
    }

    [Fact]
    public void Every_problem_is_counted_and_the_first_ten_listed()
    {
        var links = string.Join(",", Enumerable.Range(0, 25).Select(i => $$"""{"link_id": -{{i}}, "segment_id": null}"""));

        var error = Invalid($$"""{"last_modified": 1, "tow_and_go": [{{links}}]}""");

        Assert.StartsWith("The Tow-and-Go snapshot from test input is invalid (25 problems):", error.Message);
        Assert.Contains("tow_and_go[9].link_id", error.Message);
        Assert.DoesNotContain("tow_and_go[10].link_id", error.Message);
        Assert.EndsWith("... and 15 more", error.Message);
    }

    [Fact]
    public void Repeated_link_ids_are_found_across_the_files_and_listed_in_document_order_among_the_other_problems()
    {
        // Links 1..200, then link 100 again at [200], a bad segment at [201], link 3 again at [202], 30 bad link_ids after.
        var links = Enumerable.Range(1, 200).Select(i => $$"""{"link_id": {{i}}, "segment_id": {{i}}}""")
            .Concat(["""{"link_id": 100, "segment_id": 1}""", """{"link_id": 500, "segment_id": "x"}""", """{"link_id": 3, "segment_id": null}"""])
            .Concat(Enumerable.Repeat("""{"link_id": 0, "segment_id": null}""", 30));

        var error = Invalid($$"""{"last_modified": 1, "tow_and_go": [{{string.Join(",", links)}}]}""");

        var lines = error.Message.Split(Environment.NewLine).Select(line => line.Trim()).ToList();
        Assert.Equal("The Tow-and-Go snapshot from test input is invalid (33 problems):", lines[0]);
        Assert.Equal(
            ["tow_and_go[200].link_id 100 repeats tow_and_go[99].link_id", "tow_and_go[201].segment_id must be an integer or null, not the string \"x\"",
             "tow_and_go[202].link_id 3 repeats tow_and_go[2].link_id", "tow_and_go[203].link_id must be a positive integer, not the number 0"],
            lines.Skip(1).Take(4));
        Assert.Equal(["tow_and_go[209].link_id must be a positive integer, not the number 0", "... and 23 more"], lines.Skip(10));
    }

    [Fact]
    public void A_snapshot_too_large_for_memory_is_kept_in_temporary_files_that_go_with_it_valid_or_not()
    {
        // 300,000 links: about 100 KiB of records for each of the 64 files, past what a file holds in memory.
        var files = () => SpoolFiles.Open(TowAndGoLink.SpoolName);
        var links = string.Join(",", Enumerable.Range(1, 300_000).Select(i => $$"""{"link_id": {{i}}, "segment_id": {{(i % 3 == 0 ? "null" : i)}}}"""));
        var before = files();

        using (var snapshot = SnapshotValidator.Parse(Encoding.UTF8.GetBytes($$"""{"last_modified": 1, "tow_and_go": [{{links}}]}"""), "big"))
        {
            Assert.Equal(64, files().Except(before).Count());
            Assert.Equal((300_000, 300_000L / 3), (snapshot.LinkCount, snapshot.NullSegmentCount));
            Assert.Equal(Enumerable.Range(1, 300_000).Select(i => new TowAndGoLink(i, i % 3 == 0 ? null : i)), snapshot.Links.OrderBy(link => link.LinkId));
        }

        Assert.Equal(before, files());
        var error = Invalid($$"""{"last_modified": 1, "tow_and_go": [{{links}}, {"link_id": 299999, "segment_id": null}]}""");
        Assert.Contains("tow_and_go[300000].link_id 299999 repeats tow_and_go[299998].link_id", error.Message);
        Assert.Equal(before, files());
    }

    [Fact]
    public void A_repeated_link_id_is_listed_before_the_same_elements_segment_problem()
    {
        var error = Invalid("""{"last_modified": 1, "tow_and_go": [{"link_id": 1, "segment_id": 1}, {"link_id": 1, "segment_id": "x"}]}""");

        Assert.EndsWith($"tow_and_go[1].link_id 1 repeats tow_and_go[0].link_id{Environment.NewLine}  tow_and_go[1].segment_id must be an integer or null, not the string \"x\"", error.Message);
    }

    [Fact]
    public void Long_values_are_shortened_in_messages()
    {
        var error = Invalid($$"""{"last_modified": "{{new string('x', 500)}}", "tow_and_go": []}""");
        Assert.Contains("not the string \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...", error.Message);
        Assert.True(error.Message.Length < 300);
    }

    [Fact]
    public void Large_snapshots_report_validation_progress()
    {
        var links = string.Join(",", Enumerable.Range(1, 25_000).Select(i => $$"""{"link_id": {{i}}, "segment_id": {{i * 2}}}"""));
        var reporter = new RecordingReporter();

        var snapshot = SnapshotValidator.Parse(Encoding.UTF8.GetBytes($$"""{"last_modified": 1, "tow_and_go": [{{links}}]}"""), "big", reporter);

        Assert.Equal(25_000, snapshot.LinkCount);
        Assert.Equal(Enumerable.Range(1, 25_000).Select(i => new TowAndGoLink(i, i * 2)), snapshot.Links.OrderBy(link => link.LinkId));
        var json = Encoding.UTF8.GetByteCount($$"""{"last_modified": 1, "tow_and_go": [{{links}}]}""");
        var progresses = reporter.Progresses.ToList();
        Assert.Equal(["10,000 links", "20,000 links", "25,000 links"], progresses.Select(p => p.Status));
        Assert.All(progresses, p => Assert.Equal(json, p.Total));
        Assert.True(progresses[0].Done < progresses[1].Done && progresses[1].Done < json);
        Assert.True(progresses[^1].IsComplete);
    }

    public static TheoryData<string> Documents => new()
    {
        Sample,
        """{"tow_and_go": [{"segment_id": null, "x": {"deep": [1, {"a": "}]"}]}, "link_id": 4}], "note": [[{}]], "last_modified": 7}""",
        """{"last_modified": 1, "tow_and_go": [{"link\u005fid": 5, "segment_id": 6, "link_id": 8}, {"link_id": 9, "segment_id": -3}]}""",
        """{"last_modified": 1, "tow_and_go": [{"link_id": 1, "segment_id": 2}, 7, "x\"y", {"link_id": 1, "segment_id": 1.5}, {"link_id": 2}]}""",
        """{"last_modified": 1e3, "tow_and_go": {"a": [1, 2]}}""",
        """[{"last_modified": 1}, 2]""",
        "{\"last_modified\": 1,\n \"tow_and_go\": [{\"link_id\": 1, \"segment_id\": 2}, }\n",
        """{"last_modified": 1, "tow_and_go": []} x""",
        """{"last_modified": 1, "tow_and_go": [], "last_modified": 2}""",
    };

    /// <summary>However the input is cut into blocks as it arrives, the result (links or error) is the same as read whole.</summary>
    [Theory]
    [MemberData(nameof(Documents))]
    public async Task A_document_arriving_in_pieces_reads_as_it_does_whole(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var whole = Outcome(() => Task.FromResult(SnapshotValidator.Parse(bytes, "test input")));
        foreach (var piece in new[] { 1, 2, 3, 7, 64 })
        {
            Assert.Equal(await whole, await Outcome(() => SnapshotValidator.ParseAsync(new Trickle(bytes, piece), bytes.Length, "test input", null, CancellationToken.None)));
        }

        static async Task<string> Outcome(Func<Task<TowAndGoSnapshot>> parse)
        {
            try
            {
                var snapshot = await parse();
                return $"{snapshot.LastModified}: {string.Join(", ", snapshot.Links.OrderBy(link => link.LinkId))}";
            }
            catch (SyncToolsException e)
            {
                return $"{e.ErrorId}: {e.Message}";
            }
        }
    }

    [Fact]
    public async Task A_value_larger_than_the_read_buffer_is_read_or_skipped_whole()
    {
        var large = new string('x', 200_000);
        var json = Encoding.UTF8.GetBytes($$"""{"comment": "{{large}}", "last_modified": 3, "tow_and_go": [{"link_id": 1, "segment_id": null, "shape": ["{{large}}"]}, {"link_id": 2, "segment_id": 5}]}""");

        var snapshot = await SnapshotValidator.ParseAsync(new Trickle(json, 10_000), null, "test input", null, CancellationToken.None);

        Assert.Equal([new TowAndGoLink(1, null), new TowAndGoLink(2, 5)], snapshot.Links.OrderBy(link => link.LinkId));
    }

    [Fact]
    public void A_property_of_the_document_given_twice_is_refused_rather_than_one_of_them_picked()
    {
        var error = Invalid("""{"last_modified": 1, "tow_and_go": [], "tow_and_go": [{"link_id": 1, "segment_id": null}]}""");
        Assert.Contains("tow_and_go appears more than once in the document", error.Message);
    }

    [Fact]
    public void A_byte_order_mark_before_the_document_is_skipped()
    {
        var snapshot = SnapshotValidator.Parse(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Sample)).ToArray(), "test input");
        Assert.Equal(3, snapshot.LinkCount);
    }

    [Fact]
    public void A_name_that_is_not_valid_UTF8_is_only_another_property()
    {
        var json = Encoding.UTF8.GetBytes("""{"caf?": 1, "\uD800": 2, "last_modified": 4, "tow_and_go": [{"link_id": 1, "segment_id": null, "x\uDC00": 0}]}""");
        json[Array.IndexOf(json, (byte)'?')] = 0xE9; // Latin-1, not UTF-8

        var snapshot = SnapshotValidator.Parse(json, "test input");

        Assert.Equal((4L, 1), (snapshot.LastModified, snapshot.LinkCount));
    }

    [Fact]
    public void The_documents_own_problems_are_listed_first_wherever_they_are()
    {
        var links = string.Join(",", Enumerable.Range(1, 12));

        var error = Invalid($$"""{"tow_and_go": [{{links}}], "last_modified": "later"}""");

        Assert.StartsWith($"The Tow-and-Go snapshot from test input is invalid (13 problems):{Environment.NewLine}  last_modified must be a positive integer of unix seconds, not the string \"later\"{Environment.NewLine}  tow_and_go[0] must be", error.Message);
        Assert.EndsWith("... and 3 more", error.Message);
    }

    /// <summary>An ignored value is read token by token: it is never held whole, nor read again from its start at each block.</summary>
    [Fact]
    public async Task A_large_ignored_value_is_not_held_in_memory()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"history": [{{string.Join(",", Enumerable.Repeat("[0]", 300_000))}}], "last_modified": 3, "tow_and_go": [{"link_id": 1, "segment_id": 2}]}""");
        var stream = new Trickle(json, 100);

        var snapshot = await SnapshotValidator.ParseAsync(stream, json.Length, "test input", null, CancellationToken.None);

        Assert.Equal([new TowAndGoLink(1, 2)], snapshot.Links);
        Assert.True(json.Length > 1_000_000 && stream.LargestRead <= 64 * 1024, $"the parser asked for {stream.LargestRead:N0} bytes at once");
    }

    /// <summary>A stream that gives at most a few bytes per read, as a network may.</summary>
    private sealed class Trickle(byte[] bytes, int piece) : MemoryStream(bytes)
    {
        /// <summary>The most room the reader offered in one read: its buffer's free space.</summary>
        public int LargestRead { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            LargestRead = Math.Max(LargestRead, buffer.Length);
            return base.ReadAsync(buffer[..Math.Min(piece, buffer.Length)], cancellationToken);
        }
    }
}
