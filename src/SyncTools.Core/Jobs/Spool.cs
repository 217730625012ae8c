using System.Text;

namespace SyncTools.Core.Jobs;

/// <summary>
/// Records written to a temporary file, in order, and read back from its start: so a job holds a file, not the
/// records. The file is removed when the spool is disposed.
/// </summary>
internal sealed class Spool<T> : IDisposable
{
    private readonly FileStream _file;
    private readonly BinaryWriter _writer;
    private readonly Action<BinaryWriter, T> _write;
    private readonly Func<BinaryReader, T> _read;

    /// <param name="write">Writes one record; a static lambda, so that writing allocates nothing.</param>
    /// <param name="read">Reads back one record as written.</param>
    public Spool(Action<BinaryWriter, T> write, Func<BinaryReader, T> read)
    {
        (_write, _read) = (write, read);
        try
        {
            _file = new FileStream(Path.Combine(Path.GetTempPath(), $"synctools-spool-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 16 * 1024, FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(e);
        }

        _writer = new BinaryWriter(_file, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>Records written so far.</summary>
    public long Count { get; private set; }

    public void Write(T record)
    {
        try
        {
            _write(_writer, record);
        }
        catch (IOException e)
        {
            throw Unwritable(e);
        }

        Count++;
    }

    /// <summary>Every record written, in order, read from the file's start.</summary>
    public IEnumerable<T> Read()
    {
        try
        {
            _writer.Flush();
        }
        catch (IOException e)
        {
            throw Unwritable(e);
        }

        _file.Position = 0;
        using var reader = new BinaryReader(_file, Encoding.UTF8, leaveOpen: true);
        for (long i = 0; i < Count; i++) yield return _read(reader);
    }

    /// <summary>A full disk or a folder not writable, said as such rather than as a failure of the job's servers.</summary>
    private static SyncToolsException Unwritable(Exception e) => new(
        $"Cannot write a temporary file in {Path.GetTempPath()}: {e.Message} (set TMPDIR, or TEMP on Windows, to a folder with room).",
        JobErrorCategory.WriteError, "TempFileFailed", Path.GetTempPath(), e);

    public void Dispose()
    {
        _writer.Dispose();
        _file.Dispose();
    }
}

/// <summary>Spools of the records jobs hold.</summary>
internal static class Spools
{
    public static Spool<string> OfText() => new(static (w, s) => w.Write(s), static r => r.ReadString());
}
