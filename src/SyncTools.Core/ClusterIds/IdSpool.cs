using System.Text;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.ClusterIds;

/// <summary>
/// Ids written to a temporary file, in order, and read back from its start: so a job holds a file, not the ids. The
/// file is removed when the spool is disposed.
/// </summary>
internal sealed class IdSpool : IDisposable
{
    private readonly FileStream _file;
    private readonly BinaryWriter _writer;

    public IdSpool()
    {
        try
        {
            _file = new FileStream(Path.Combine(Path.GetTempPath(), $"synctools-ids-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 16 * 1024, FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(e);
        }

        _writer = new BinaryWriter(_file, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>Ids written so far.</summary>
    public long Count { get; private set; }

    public void Write(string id)
    {
        try
        {
            _writer.Write(id);
        }
        catch (IOException e)
        {
            throw Unwritable(e);
        }

        Count++;
    }

    /// <summary>Every id written, in order, read from the file's start.</summary>
    public IEnumerable<string> Read()
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
        for (long i = 0; i < Count; i++) yield return reader.ReadString();
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
