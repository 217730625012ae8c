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

    /// <summary>Past this size the file is compacted to <see cref="RunJournal.Retention"/> when a run is appended.</summary>
    public const long CompactAt = 1 << 20;

    public async Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        await WithFileAsync(async file =>
        {
            file.Seek(0, SeekOrigin.End);
            await file.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            if (file.Length > CompactAt) await RewriteAsync(file, entries => RunJournal.Retained(entries, DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
            return 0L;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> RemoveAsync(IReadOnlyCollection<(string Job, string Target)> targets, CancellationToken cancellationToken) =>
        File.Exists(Path)
            ? WithFileAsync(file => RewriteAsync(file, entries => entries.Where(e => !targets.Contains((e.Job, e.Target))), cancellationToken), cancellationToken)
            : Task.FromResult(0L);

    /// <summary>The file opened for this process alone (another run that holds it is waited for).</summary>
    private async Task<long> WithFileAsync(Func<FileStream, Task<long>> use, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return await use(file).ConfigureAwait(false);
            }
            catch (IOException) when (attempt < 200 && File.Exists(Path))
            {
                await Task.Delay(Random.Shared.Next(5, 25), cancellationToken).ConfigureAwait(false); // another run holds it
            }
        }
    }

    /// <summary>Rewrites the file with the entries <paramref name="keep"/> leaves (unreadable lines go too); returns how many went.</summary>
    private static async Task<long> RewriteAsync(FileStream file, Func<IReadOnlyList<JournalEntry>, IEnumerable<JournalEntry>> keep, CancellationToken cancellationToken)
    {
        file.Seek(0, SeekOrigin.Begin);
        var entries = new List<JournalEntry>();
        using (var reader = new StreamReader(file, Encoding.UTF8, leaveOpen: true))
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
            {
                if (Parse(text) is { } entry) entries.Add(entry);
            }
        }

        var kept = keep(entries).ToList();
        var bytes = Encoding.UTF8.GetBytes(string.Concat(kept.Select(e => JsonSerializer.Serialize(e, Json) + "\n")));
        file.SetLength(0);
        await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        return entries.Count - kept.Count;
    }

    private static JournalEntry? Parse(string line)
    {
        if (line.Length == 0) return null;
        try
        {
            return JsonSerializer.Deserialize<JournalEntry>(line, Json) is { Job: not null, Counts: not null } entry ? entry : null;
        }
        catch (JsonException)
        {
            return null;
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
            if (Parse(line) is not { } entry)
            {
                reporter.Warning($"The run journal {Path} has an unreadable line {number}: skipped.");
                continue;
            }

            yield return entry;
        }
    }
}
