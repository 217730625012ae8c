using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.Status;

/// <summary>
/// The run journal as a file of JSON lines. Each append takes the file exclusively (an OS lock; others wait and retry)
/// and writes one whole line, so two scheduled runs finishing at once never interleave.
/// </summary>
public sealed class FileRunJournal(string path) : IRunJournal
{
    public const string EnvironmentVariable = "SYNCTOOLS_JOURNAL";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public string Path { get; } = path;

    public string Location => Path;

    /// <summary>
    /// The journal's default place: $SYNCTOOLS_JOURNAL if set; else on Windows %LOCALAPPDATA%\SyncTools\journal.jsonl,
    /// on macOS ~/Library/Application Support/SyncTools/journal.jsonl, elsewhere $XDG_STATE_HOME/synctools/journal.jsonl
    /// (~/.local/state by default).
    /// </summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured) return configured;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows()) return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SyncTools", "journal.jsonl");
        if (OperatingSystem.IsMacOS()) return System.IO.Path.Combine(home, "Library", "Application Support", "SyncTools", "journal.jsonl");
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg : System.IO.Path.Combine(home, ".local", "state");
        return System.IO.Path.Combine(state, "synctools", "journal.jsonl");
    }

    public async Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.None);
                await file.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (IOException) when (attempt < 200 && File.Exists(Path))
            {
                await Task.Delay(Random.Shared.Next(5, 25), cancellationToken).ConfigureAwait(false); // another run holds it
            }
        }
    }

    public async IAsyncEnumerable<JournalEntry> ReadAsync(IJobReporter reporter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(Path)) yield break;
        using var reader = new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (line.Length == 0) continue;
            JournalEntry? entry = null;
            try { entry = JsonSerializer.Deserialize<JournalEntry>(line, Json); }
            catch (JsonException) { }

            if (entry is null || entry.Job is null || entry.Counts is null)
            {
                reporter.Warning($"The run journal {Path} has an unreadable line {number}: skipped.");
                continue;
            }

            yield return entry;
        }
    }
}
