using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SyncTools.Core.OrgSync;

/// <summary>
/// A 128-bit fingerprint (SHA-256, truncated) of a row's values in the form the sync compares them: times to the
/// millisecond, whole numbers as 64-bit integers, text as its UTF-16 code units, each value tagged with its kind and text
/// with its length, so that two rows with the same fingerprint hold values the comparison finds the same, column by
/// column. A cryptographic hash, so that nobody who can set a source value (a user's own name) can make a changed row
/// look unchanged. A row holding a value of any other type has <see cref="None"/>, and is compared value by value.
/// </summary>
internal static class RowFingerprint
{
    /// <summary>No fingerprint; a computed one is never this (its lowest bit is set).</summary>
    public static readonly UInt128 None = UInt128.Zero;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <param name="values">The row's values; NULL as null or DBNull.</param>
    public static UInt128 Of(IReadOnlyList<object?> values)
    {
        var buffer = t_buffer ??= new byte[256];
        var length = 0;
        foreach (var value in values)
        {
            var size = value switch { null or DBNull => 1, string s => 5 + 2 * s.Length, _ => 9 };
            if (length + size > buffer.Length) Array.Resize(ref buffer, Math.Max(2 * buffer.Length, length + size));
            var free = buffer.AsSpan(length);
            switch (value)
            {
                case null or DBNull:
                    free[0] = 0;
                    break;
                case DateTime time:
                    Tagged(free, 1, time.Ticks / TimeSpan.TicksPerMillisecond);
                    break;
                case bool flag:
                    Tagged(free, 2, flag ? 1 : 0);
                    break;
                case long or int or short or sbyte or uint or ushort or byte:
                    Tagged(free, 3, Convert.ToInt64(value));
                    break;
                case string text:
                    free[0] = 4;
                    BinaryPrimitives.WriteInt32LittleEndian(free[1..], text.Length);
                    MemoryMarshal.AsBytes(text.AsSpan()).CopyTo(free[5..]);
                    break;
                default:
                    return None;
            }

            length += size;
        }

        t_buffer = buffer;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.AsSpan(0, length), hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash) | UInt128.One;
    }

    private static void Tagged(Span<byte> free, byte tag, long value)
    {
        free[0] = tag;
        BinaryPrimitives.WriteInt64LittleEndian(free[1..], value);
    }
}
