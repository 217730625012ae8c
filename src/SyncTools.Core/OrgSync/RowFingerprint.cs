using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace SyncTools.Core.OrgSync;

/// <summary>
/// A 128-bit fingerprint (XXH128) of a row's values in the form the sync compares them: times to the millisecond, whole
/// numbers as 64-bit integers, text as its UTF-16 code units, each value tagged with its kind and text with its length,
/// so that two rows with the same fingerprint hold values the comparison finds the same, column by column. A row
/// holding a value of any other type has <see cref="None"/>, and is compared value by value.
/// </summary>
internal static class RowFingerprint
{
    /// <summary>No fingerprint; a computed one is never this (its lowest bit is set).</summary>
    public static readonly UInt128 None = UInt128.Zero;

    [ThreadStatic]
    private static XxHash128? t_hash;

    /// <param name="values">The row's values; NULL as null or DBNull.</param>
    public static UInt128 Of(IReadOnlyList<object?> values)
    {
        var hash = t_hash ??= new XxHash128();
        hash.Reset();
        Span<byte> tagged = stackalloc byte[9];
        foreach (var value in values)
        {
            switch (value)
            {
                case null or DBNull:
                    tagged[0] = 0;
                    hash.Append(tagged[..1]);
                    break;
                case DateTime time:
                    Append(hash, tagged, 1, time.Ticks / TimeSpan.TicksPerMillisecond);
                    break;
                case bool flag:
                    Append(hash, tagged, 2, flag ? 1 : 0);
                    break;
                case long or int or short or sbyte or uint or ushort or byte:
                    Append(hash, tagged, 3, Convert.ToInt64(value));
                    break;
                case string text:
                    Append(hash, tagged, 4, text.Length);
                    hash.Append(MemoryMarshal.AsBytes(text.AsSpan()));
                    break;
                default:
                    return None;
            }
        }

        return hash.GetCurrentHashAsUInt128() | UInt128.One;
    }

    private static void Append(XxHash128 hash, Span<byte> tagged, byte tag, long value)
    {
        tagged[0] = tag;
        BinaryPrimitives.WriteInt64LittleEndian(tagged[1..], value);
        hash.Append(tagged);
    }
}
