using System.Text;
using System.Text.Json;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>
/// The one set of rules a Tow-and-Go snapshot must meet, before it is uploaded and again before it is synced:
/// <list type="bullet">
/// <item>the document is a JSON object, with last_modified and tow_and_go each given once;</item>
/// <item><c>last_modified</c> is a positive integer of unix seconds (a value past year 9999 is taken for milliseconds and refused);</item>
/// <item><c>tow_and_go</c> is an array of objects;</item>
/// <item>each <c>link_id</c> is a positive integer, unique in the snapshot;</item>
/// <item>each <c>segment_id</c> is present, and an integer or null.</item>
/// </list>
/// Other properties are allowed and ignored; a UTF-8 byte order mark before the document is skipped. The document is
/// read as a stream, one link at a time: only the links are kept, never the text or a tree of it, and they are kept in
/// temporary files spread by link_id (<see cref="TowAndGoSnapshot"/>), where repeated link_ids are looked for file by file.
/// </summary>
public static class SnapshotValidator
{
    /// <summary>Problems listed in one error at most; the rest are counted.</summary>
    public const int MaxListedProblems = 10;

    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z
    private const string Activity = "Validating Tow-and-Go snapshot";
    private const int MaxBlock = 256 * 1024 * 1024; // one link, or one value of the document that is neither object nor array

    /// <summary>Parses and validates UTF-8 JSON held in memory.</summary>
    /// <param name="json">The document.</param>
    /// <param name="source">Where it came from, for messages: "file 'x.json'", "s3://bucket/key".</param>
    /// <param name="reporter">Receives progress while the links are checked; may be null.</param>
    /// <exception cref="SyncToolsException">Malformed JSON (with line and position) or a snapshot that breaks a rule (with the field of the element).</exception>
    public static TowAndGoSnapshot Parse(ReadOnlyMemory<byte> json, string source, IJobReporter? reporter = null)
    {
        var parser = new Parser(source, reporter, json.Length);
        try
        {
            parser.Read(json.Span, isFinalBlock: true);
            return parser.Finish();
        }
        catch
        {
            parser.Dispose();
            throw;
        }
    }

    /// <summary>Parses and validates UTF-8 JSON as it arrives from a stream.</summary>
    /// <param name="length">The stream's length in bytes when known, for progress.</param>
    public static async Task<TowAndGoSnapshot> ParseAsync(Stream json, long? length, string source, IJobReporter? reporter, CancellationToken cancellationToken)
    {
        using var parser = new Parser(source, reporter, length);
        var buffer = new byte[64 * 1024];
        int filled = 0, read;
        do
        {
            if (filled == buffer.Length)
            {
                // One link, or one string or number of the document, is larger than the buffer.
                if (buffer.Length >= MaxBlock)
                {
                    throw new SyncToolsException($"The Tow-and-Go snapshot from {source} holds one link or value of more than {MaxBlock / 1048576} MiB: no link of link_id and segment_id is that large.",
                        JobErrorCategory.InvalidData, "SnapshotInvalid", source);
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            read = await json.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            filled += read;
            var consumed = parser.Read(buffer.AsSpan(0, filled), isFinalBlock: read == 0);
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }
        while (read > 0);

        return parser.Finish();
    }

    /// <summary>The document's state between blocks of input: where in it the next token falls, and what was found so far.</summary>
    /// <remarks>Owns the links' files until <see cref="Finish"/> hands them to the snapshot; disposing it after that does nothing.</remarks>
    private sealed class Parser(string source, IJobReporter? reporter, long? length) : IDisposable
    {
        private enum Place { BeforeDocument, InDocument, InLinks, AfterDocument, Skipping }

        private readonly Problems _problems = new();
        private SpoolPartitions<PlacedLink>? _links = PlacedLink.Partitions();
        private int _nullSegments;
        private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });
        private Place _place = Place.BeforeDocument;
        private long _consumed;
        private long _lastModified;
        private bool _isObject, _sawLastModified, _sawLinks;
        private int _index;
        private int _skipDepth;
        private Place _afterSkip;

        /// <summary>Reads every whole unit (a property of the document, or one link) in <paramref name="block"/>.</summary>
        /// <returns>The bytes read; the rest must come again, followed by more input.</returns>
        public int Read(ReadOnlySpan<byte> block, bool isFinalBlock)
        {
            var skip = _consumed == 0 && _place == Place.BeforeDocument && block.StartsWith("\uFEFF"u8) ? 3 : 0;
            if (skip == 0 && _consumed == 0 && !isFinalBlock && block.Length < 3) return 0; // a byte order mark may be arriving
            var reader = new Utf8JsonReader(block[skip..], isFinalBlock, _state);
            try
            {
                while (true)
                {
                    var unitStart = reader;
                    if (!ReadUnit(ref reader))
                    {
                        reader = unitStart;
                        break;
                    }
                }
            }
            catch (JsonException e)
            {
                var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
                var hint = _consumed + block.Length == 0 ? " The input is empty." : "";
                throw new SyncToolsException(
                    $"The Tow-and-Go snapshot from {source} is not valid JSON{where}: {FirstSentence(e.Message)}{hint}",
                    JobErrorCategory.InvalidData, "SnapshotMalformedJson", source, e);
            }

            _state = reader.CurrentState;
            _consumed += skip + reader.BytesConsumed;
            return skip + (int)reader.BytesConsumed;
        }

        public TowAndGoSnapshot Finish()
        {
            if (_isObject && !_sawLastModified) _problems.AddAboutDocument("last_modified is missing", aboutLastModified: true);
            if (_isObject && !_sawLinks) _problems.AddAboutDocument("tow_and_go is missing");
            FindRepeatedLinks();
            if (_problems.Count > 0) throw _problems.ToException(source);
            var total = length ?? _consumed;
            reporter?.Progress(new JobProgress(Activity, total, total, $"{_index:N0} links"));
            var snapshot = new TowAndGoSnapshot(_lastModified, _index, _nullSegments, _links!);
            _links = null;
            return snapshot;
        }

        public void Dispose() => _links?.Dispose();

        /// <summary>A link_id given twice is a problem of the later element; the links of an id share a file, in document order.</summary>
        private void FindRepeatedLinks()
        {
            var first = new Dictionary<long, int>();
            foreach (var file in _links!.Spools)
            {
                first.Clear();
                foreach (var (link, index) in file.Read())
                {
                    if (!first.TryAdd(link.LinkId, index)) _problems.Add(index, $"tow_and_go[{index}].link_id {link.LinkId} repeats tow_and_go[{first[link.LinkId]}].link_id");
                }
            }
        }

        /// <summary>One token at the document's level, or one whole link; false when the block ends first.</summary>
        private bool ReadUnit(ref Utf8JsonReader reader)
        {
            if (!reader.Read()) return false;
            switch (_place)
            {
                case Place.BeforeDocument when reader.TokenType == JsonTokenType.StartObject:
                    _isObject = true;
                    _place = Place.InDocument;
                    return true;
                case Place.BeforeDocument:
                    _problems.AddAboutDocument($"the document must be a JSON object with last_modified and tow_and_go, not {Describe(ref reader)}");
                    SkipIfContainer(ref reader, Place.AfterDocument);
                    return true;
                case Place.Skipping: // token by token, only to check that it is JSON: never held whole
                    if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == _skipDepth) _place = _afterSkip;
                    return true;
                case Place.InDocument when reader.TokenType == JsonTokenType.EndObject:
                    _place = Place.AfterDocument;
                    return true;
                case Place.InDocument:
                    return ReadProperty(ref reader);
                case Place.InLinks when reader.TokenType == JsonTokenType.EndArray:
                    _place = Place.InDocument;
                    return true;
                case Place.InLinks:
                    return ReadLink(ref reader);
                default: // after the document: the reader refuses anything but white space
                    return true;
            }
        }

        private bool ReadProperty(ref Utf8JsonReader reader)
        {
            // Compared as JSON text, not made a string: a name that is not valid UTF-8 is only another name.
            var name = reader.ValueTextEquals("last_modified"u8) ? "last_modified" : reader.ValueTextEquals("tow_and_go"u8) ? "tow_and_go" : null;
            if (!reader.Read()) return false;
            var seen = name switch { "last_modified" => _sawLastModified, "tow_and_go" => _sawLinks, _ => false };
            if (name is "tow_and_go" && !seen && reader.TokenType == JsonTokenType.StartArray)
            {
                _sawLinks = true;
                _place = Place.InLinks;
                return true;
            }

            if (seen)
            {
                _problems.AddAboutDocument($"{name} appears more than once in the document", aboutLastModified: name == "last_modified");
            }
            else if (name is "tow_and_go")
            {
                _sawLinks = true;
                _problems.AddAboutDocument($"tow_and_go must be an array, not {Describe(ref reader)}");
            }
            else if (name is "last_modified")
            {
                _sawLastModified = true;
                var isInteger = TryGetInteger(ref reader, out var value);
                if (!isInteger || value <= 0) _problems.AddAboutDocument($"last_modified must be a positive integer of unix seconds, not {Describe(ref reader)}", aboutLastModified: true);
                else if (value > MaxUnixSeconds) _problems.AddAboutDocument($"last_modified {value} is past the year 9999: it looks like milliseconds, and must be unix seconds", aboutLastModified: true);
                else _lastModified = value;
            }

            SkipIfContainer(ref reader, Place.InDocument);
            return true;
        }

        /// <summary>An object or array the reader has just entered is read to its end token by token, then reading goes on at <paramref name="after"/>.</summary>
        private void SkipIfContainer(ref Utf8JsonReader reader, Place after)
        {
            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                _place = after;
                return;
            }

            (_place, _skipDepth, _afterSkip) = (Place.Skipping, reader.CurrentDepth, after);
        }

        /// <summary>One element of tow_and_go, read whole (or not at all); a repeated property keeps its last value.</summary>
        private bool ReadLink(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                var description = Describe(ref reader);
                if (!reader.TrySkip()) return false;
                _problems.Add(_index, $"tow_and_go[{_index}] must be an object with link_id and segment_id, not {description}");
                return Counted(ref reader);
            }

            // Each problem as it follows "tow_and_go[i]", so that a valid link makes no text.
            string? linkProblem = ".link_id is missing", segmentProblem = ".segment_id is missing (use null for a link without a segment)";
            long linkId = 0;
            long? segmentId = null;
            while (true)
            {
                if (!reader.Read()) return false;
                if (reader.TokenType == JsonTokenType.EndObject) break;
                var property = reader.ValueTextEquals("link_id"u8) ? 1 : reader.ValueTextEquals("segment_id"u8) ? 2 : 0;
                if (!reader.Read()) return false;
                if (property == 1)
                {
                    linkProblem = TryGetInteger(ref reader, out linkId) && linkId > 0 ? null : $".link_id must be a positive integer, not {Describe(ref reader)}";
                }
                else if (property == 2)
                {
                    segmentProblem = reader.TokenType == JsonTokenType.Null || TryGetInteger(ref reader, out _) ? null : $".segment_id must be an integer or null, not {Describe(ref reader)}";
                    segmentId = segmentProblem is null && reader.TokenType != JsonTokenType.Null ? reader.GetInt64() : null;
                }

                if (!reader.TrySkip()) return false;
            }

            // Kept with its place in the document, so that a repeated link_id can name both.
            if (linkProblem is null) _links!.Write(new PlacedLink(new TowAndGoLink(linkId, segmentId), _index));
            if (linkProblem is not null) _problems.Add(_index, $"tow_and_go[{_index}]{linkProblem}");
            if (segmentProblem is not null) _problems.Add(_index, $"tow_and_go[{_index}]{segmentProblem}", aboutSegment: true);
            if (segmentProblem is null && segmentId is null) _nullSegments++;
            return Counted(ref reader);
        }

        private bool Counted(ref Utf8JsonReader reader)
        {
            if (++_index % 10_000 == 0) reporter?.Progress(new JobProgress(Activity, _consumed + reader.BytesConsumed, length, $"{_index:N0} links"));
            return true;
        }
    }

    private static bool TryGetInteger(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
    }

    /// <summary>The value the reader is on, as a message names it (its text as written, shortened).</summary>
    private static string Describe(ref Utf8JsonReader reader)
    {
        var raw = Encoding.UTF8.GetString(reader.ValueSpan); // as written: a string's escapes kept, without its quotes
        return reader.TokenType switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => $"the string {Truncate($"\"{raw}\"")}",
            JsonTokenType.Number when !raw.AsSpan().ContainsAny('.', 'e', 'E') && !reader.TryGetInt64(out _) =>
                $"the integer {Truncate(raw)}, out of range (from {long.MinValue} to {long.MaxValue})",
            JsonTokenType.Number => $"the number {Truncate(raw)}",
            JsonTokenType.True or JsonTokenType.False => $"the boolean {raw}",
            JsonTokenType.Null => "null",
            _ => reader.TokenType.ToString(),
        };
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }

    private sealed class Problems
    {
        private readonly List<(bool AboutLastModified, string Text)> _document = [];
        private readonly List<(int Index, bool AboutSegment, string Text)> _links = [];

        public int Count { get; private set; }

        /// <summary>A problem of the link at <paramref name="index"/>: listed after the document's own, the first ten in document order at most.</summary>
        /// <param name="aboutSegment">Listed after the link's other problems (its link_id's, found as the link is read or, when repeated, at the end).</param>
        public void Add(int index, string problem, bool aboutSegment = false)
        {
            Count++;
            var at = _links.FindLastIndex(p => (p.Index, p.AboutSegment).CompareTo((index, aboutSegment)) <= 0) + 1;
            if (at == MaxListedProblems) return;
            _links.Insert(at, (index, aboutSegment, problem));
            if (_links.Count > MaxListedProblems) _links.RemoveAt(MaxListedProblems);
        }

        /// <summary>A problem of the document itself, listed first (last_modified's before the rest), wherever in the document it is.</summary>
        public void AddAboutDocument(string problem, bool aboutLastModified = false)
        {
            Count++;
            _document.Add((aboutLastModified, problem));
        }

        public SyncToolsException ToException(string source)
        {
            var listed = _document.OrderBy(p => !p.AboutLastModified).Select(p => p.Text).Concat(_links.Select(p => p.Text)).Take(MaxListedProblems).ToList();
            var more = Count > listed.Count ? $"{Environment.NewLine}  ... and {Count - listed.Count:N0} more" : "";
            var noun = Count == 1 ? "problem" : "problems";
            return new SyncToolsException(
                $"The Tow-and-Go snapshot from {source} is invalid ({Count:N0} {noun}):{Environment.NewLine}  " +
                string.Join(Environment.NewLine + "  ", listed) + more,
                JobErrorCategory.InvalidData, "SnapshotInvalid", source);
        }
    }
}
