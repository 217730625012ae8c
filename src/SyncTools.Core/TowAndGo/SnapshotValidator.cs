using System.Text.Json;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>
/// The one set of rules a Tow-and-Go snapshot must meet, before it is uploaded and again before it is synced:
/// <list type="bullet">
/// <item>the document is a JSON object;</item>
/// <item><c>last_modified</c> is a positive integer of unix seconds (a value past year 9999 is taken for milliseconds and refused);</item>
/// <item><c>tow_and_go</c> is an array of objects;</item>
/// <item>each <c>link_id</c> is a positive integer, unique in the snapshot;</item>
/// <item>each <c>segment_id</c> is present, and an integer or null.</item>
/// </list>
/// Other properties are allowed and ignored.
/// </summary>
public static class SnapshotValidator
{
    /// <summary>Problems listed in one error at most; the rest are counted.</summary>
    public const int MaxListedProblems = 10;

    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>Parses and validates UTF-8 JSON.</summary>
    /// <param name="json">The document.</param>
    /// <param name="source">Where it came from, for messages: "file 'x.json'", "s3://bucket/key".</param>
    /// <param name="reporter">Receives progress while the links are checked; may be null.</param>
    /// <exception cref="SyncToolsException">Malformed JSON (with line and position) or a snapshot that breaks a rule (with the field of the element).</exception>
    public static TowAndGoSnapshot Parse(ReadOnlyMemory<byte> json, string source, IJobReporter? reporter = null)
    {
        using var document = ParseJson(json, source);
        return Validate(document.RootElement, source, reporter);
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            var hint = json.Length == 0 ? " The input is empty." : "";
            throw new SyncToolsException(
                $"The Tow-and-Go snapshot from {source} is not valid JSON{where}: {FirstSentence(e.Message)}{hint}",
                JobErrorCategory.InvalidData, "SnapshotMalformedJson", source, e);
        }
    }

    private static TowAndGoSnapshot Validate(JsonElement root, string source, IJobReporter? reporter)
    {
        var problems = new Problems();
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"the document must be a JSON object with last_modified and tow_and_go, not {Describe(root)}");
            throw problems.ToException(source);
        }

        long lastModified = 0;
        if (!root.TryGetProperty("last_modified", out var lastModifiedElement))
        {
            problems.Add("last_modified is missing");
        }
        else if (!TryGetInteger(lastModifiedElement, out lastModified) || lastModified <= 0)
        {
            problems.Add($"last_modified must be a positive integer of unix seconds, not {Describe(lastModifiedElement)}");
        }
        else if (lastModified > MaxUnixSeconds)
        {
            problems.Add($"last_modified {lastModified} is past the year 9999: it looks like milliseconds, and must be unix seconds");
        }

        var links = new List<TowAndGoLink>();
        if (!root.TryGetProperty("tow_and_go", out var array))
        {
            problems.Add("tow_and_go is missing");
        }
        else if (array.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"tow_and_go must be an array, not {Describe(array)}");
        }
        else
        {
            links.Capacity = array.GetArrayLength();
            ValidateLinks(array, links, problems, reporter);
        }

        if (problems.Count > 0)
        {
            throw problems.ToException(source);
        }

        return new TowAndGoSnapshot(lastModified, links);
    }

    private static void ValidateLinks(JsonElement array, List<TowAndGoLink> links, Problems problems, IJobReporter? reporter)
    {
        var firstIndexOf = new Dictionary<long, int>(links.Capacity);
        var total = links.Capacity;
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var at = $"tow_and_go[{index}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{at} must be an object with link_id and segment_id, not {Describe(element)}");
            }
            else
            {
                long? linkId = null;
                if (!element.TryGetProperty("link_id", out var linkElement))
                {
                    problems.Add($"{at}.link_id is missing");
                }
                else if (!TryGetInteger(linkElement, out var id) || id <= 0)
                {
                    problems.Add($"{at}.link_id must be a positive integer, not {Describe(linkElement)}");
                }
                else if (!firstIndexOf.TryAdd(id, index))
                {
                    problems.Add($"{at}.link_id {id} repeats tow_and_go[{firstIndexOf[id]}].link_id");
                }
                else
                {
                    linkId = id;
                }

                long? segmentId = null;
                if (!element.TryGetProperty("segment_id", out var segmentElement))
                {
                    problems.Add($"{at}.segment_id is missing (use null for a link without a segment)");
                }
                else if (segmentElement.ValueKind != JsonValueKind.Null)
                {
                    if (TryGetInteger(segmentElement, out var segment))
                    {
                        segmentId = segment;
                    }
                    else
                    {
                        problems.Add($"{at}.segment_id must be an integer or null, not {Describe(segmentElement)}");
                    }
                }

                if (linkId is { } valid && problems.Count == 0)
                {
                    links.Add(new TowAndGoLink(valid, segmentId));
                }
            }

            index++;
            if (reporter is not null && (index % 10_000 == 0 || index == total))
            {
                reporter.Progress(new JobProgress("Validating Tow-and-Go snapshot", index, total, $"{index:N0} of {total:N0} links"));
            }
        }
    }

    private static bool TryGetInteger(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Truncate(element.GetRawText())}",
        JsonValueKind.Number when !element.GetRawText().AsSpan().ContainsAny('.', 'e', 'E') && !element.TryGetInt64(out _) =>
            $"the integer {Truncate(element.GetRawText())}, out of range (from {long.MinValue} to {long.MaxValue})",
        JsonValueKind.Number => $"the number {Truncate(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }

    private sealed class Problems
    {
        private readonly List<string> _listed = new();

        public int Count { get; private set; }

        public void Add(string problem)
        {
            if (Count++ < MaxListedProblems)
            {
                _listed.Add(problem);
            }
        }

        public SyncToolsException ToException(string source)
        {
            var more = Count > _listed.Count ? $"{Environment.NewLine}  ... and {Count - _listed.Count:N0} more" : "";
            var noun = Count == 1 ? "problem" : "problems";
            return new SyncToolsException(
                $"The Tow-and-Go snapshot from {source} is invalid ({Count:N0} {noun}):{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", _listed) + more,
                JobErrorCategory.InvalidData, "SnapshotInvalid", source);
        }
    }
}
