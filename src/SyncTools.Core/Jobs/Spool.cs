using System.Buffers.Binary;
using System.Text;

namespace SyncTools.Core.Jobs;

/// <summary>A record a <see cref="Spool{T}"/> can hold: how it is written to bytes and read back.</summary>
internal interface ISpooled<TSelf> where TSelf : ISpooled<TSelf>
{
    /// <summary>The most bytes <see cref="Write"/> may take for this record.</summary>
    static abstract int MaxSize(in TSelf record);

    /// <returns>The bytes written.</returns>
    static abstract int Write(Span<byte> into, in TSelf record);

    /// <param name="size">The bytes the record took.</param>
    static abstract TSelf Read(ReadOnlySpan<byte> from, out int size);
}

/// <summary>
/// Records written in order and read back from the start: held in memory up to <see cref="BufferSize"/> bytes, then
/// in a temporary file, so a job holds a file, not the records. On Linux and macOS the file's name is removed as soon as
/// it is open (the file lives on, unnamed, until the spool is disposed or the process ends, however it ends); on Windows
/// the file is removed when it is closed. Records go to the file through the buffer, in large writes.
/// </summary>
internal sealed class Spool<T> : IDisposable where T : ISpooled<T>
{
    /// <summary>The bytes held in memory: all of a spool that fits, or the part of it still to be written.</summary>
    public const int BufferSize = 64 * 1024;

    private readonly string _job;
    private FileStream? _file;
    private byte[] _buffer = new byte[1024];
    private int _filled;
    private int _largest;

    /// <param name="job">Names the file, if one is needed, as synctools-{job}-*.tmp, so that whoever finds one knows whose it is.</param>
    public Spool(string job) => _job = job;

    /// <summary>Records written so far.</summary>
    public long Count { get; private set; }

    public void Write(in T record)
    {
        var most = T.MaxSize(record);
        if (_buffer.Length - _filled < most) MakeRoom(most);
        var size = T.Write(_buffer.AsSpan(_filled), record);
        _filled += size;
        _largest = Math.Max(_largest, size);
        Count++;
    }

    /// <summary>Every record written, in order, read from the start.</summary>
    public IEnumerable<T> Read()
    {
        var buffer = _buffer;
        int start = 0, end = _filled;
        var atEnd = _file is null;
        if (_file is not null)
        {
            Flush();
            _file.Position = 0;
            buffer = new byte[Math.Max(BufferSize, _largest)];
            end = 0;
        }

        for (long i = 0; i < Count; i++)
        {
            // Whole records only: the buffer is filled again before fewer bytes are left than the largest record took.
            if (end - start < _largest && !atEnd) end = Refill(buffer, ref start, end, out atEnd);
            yield return Next(buffer, ref start, end);
        }
    }

    /// <summary>Writes what the buffer holds to the file, if the spool has one: a full disk shows now, not when the records are read.</summary>
    public void Complete()
    {
        if (_file is not null) Flush();
    }

    /// <summary>The buffer grows up to <see cref="BufferSize"/> in memory; past that, it is written to the file and refilled.</summary>
    private void MakeRoom(int most)
    {
        if (_file is null && _filled + most <= BufferSize)
        {
            Array.Resize(ref _buffer, Math.Min(BufferSize, Math.Max(_buffer.Length * 2, _filled + most)));
            return;
        }

        Flush();
        if (_buffer.Length < most) _buffer = new byte[most];
    }

    private int Refill(byte[] buffer, ref int start, int end, out bool atEnd)
    {
        buffer.AsSpan(start, end - start).CopyTo(buffer);
        end -= start;
        start = 0;
        int read = 0;
        try
        {
            while (end < buffer.Length && (read = _file!.Read(buffer, end, buffer.Length - end)) > 0) end += read;
        }
        catch (IOException e)
        {
            throw Failed("read", e);
        }

        atEnd = read == 0;
        return end;
    }

    private static T Next(byte[] buffer, ref int start, int end)
    {
        var record = T.Read(buffer.AsSpan(start, end - start), out var size);
        start += size;
        return record;
    }

    private void Flush()
    {
        try
        {
            _file ??= Create(_job);
            _file.Seek(0, SeekOrigin.End);
            _file.Write(_buffer, 0, _filled);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed("write", e);
        }

        _filled = 0;
    }

    private static FileStream Create(string job)
    {
        var path = Path.Combine(Path.GetTempPath(), $"synctools-{job}-{Guid.NewGuid():N}.tmp");
        var unnamed = !OperatingSystem.IsWindows();
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0,
            unnamed ? FileOptions.SequentialScan : FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        if (unnamed) File.Delete(path);
        return file;
    }

    /// <summary>A full disk or a folder not writable, said as such rather than as a failure of the job's servers.</summary>
    private static SyncToolsException Failed(string verb, Exception e) => new(
        $"Cannot {verb} a temporary file in {Path.GetTempPath()}: {e.Message} (set TMPDIR, or TEMP on Windows, to a folder with room).",
        verb == "read" ? JobErrorCategory.ReadError : JobErrorCategory.WriteError, "TempFileFailed", Path.GetTempPath(), e);

    public void Dispose() => _file?.Dispose();
}

/// <summary>A text and a number a job keeps with it (e.g. its place in a stream), spooled as the number, then the text's UTF-8 bytes after their count.</summary>
internal readonly record struct SpooledText(string Value, long Number) : ISpooled<SpooledText>
{
    private const int Head = sizeof(long) + sizeof(int);

    public static int MaxSize(in SpooledText record) => Head + Encoding.UTF8.GetMaxByteCount(record.Value.Length);

    public static int Write(Span<byte> into, in SpooledText record)
    {
        var length = Encoding.UTF8.GetBytes(record.Value, into[Head..]);
        BinaryPrimitives.WriteInt64LittleEndian(into, record.Number);
        BinaryPrimitives.WriteInt32LittleEndian(into[sizeof(long)..], length);
        return Head + length;
    }

    public static SpooledText Read(ReadOnlySpan<byte> from, out int size)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(from[sizeof(long)..]);
        size = Head + length;
        return new SpooledText(Encoding.UTF8.GetString(from.Slice(Head, length)), BinaryPrimitives.ReadInt64LittleEndian(from));
    }
}
