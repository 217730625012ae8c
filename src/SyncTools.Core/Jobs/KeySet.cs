using System.Runtime.InteropServices;

namespace SyncTools.Core.Jobs;

/// <summary>
/// A set of 64-bit keys that takes about a bit a key where the keys are dense (ids counted up, as tables number their
/// rows), and three to four times what a <see cref="HashSet{T}"/> takes where they are scattered (a group each). Keys are grouped by their
/// value divided by 4,096: a group holds the low 12 bits of its keys in a sorted array until it has 256 of them (512
/// bytes), then in a bitmap of 4,096 bits (512 bytes).
/// </summary>
internal sealed class KeySet
{
    private const int LowBits = 12;
    private const int LowMask = (1 << LowBits) - 1;
    private const int MaxListed = 256;

    private readonly Dictionary<long, Group> _groups = [];

    /// <summary>A group's keys: <see cref="Listed"/> (sorted, <see cref="Count"/> of them) or, past <see cref="MaxListed"/>, <see cref="Bits"/>.</summary>
    private struct Group
    {
        public ushort[]? Listed;
        public ulong[]? Bits;
        public int Count;
    }

    public bool Add(long key)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, key >> LowBits, out _);
        var low = (ushort)(key & LowMask);
        if (group.Bits is { } bits)
        {
            var had = (bits[low >> 6] & (1UL << low)) != 0;
            bits[low >> 6] |= 1UL << low;
            return !had;
        }

        group.Listed ??= new ushort[4];
        var at = Array.BinarySearch(group.Listed, 0, group.Count, low);
        if (at >= 0) return false;
        if (group.Count == MaxListed)
        {
            group.Bits = new ulong[(LowMask + 1) / 64];
            foreach (var listed in group.Listed.AsSpan(0, group.Count)) group.Bits[listed >> 6] |= 1UL << listed;
            group.Bits[low >> 6] |= 1UL << low;
            group.Listed = null;
            return true;
        }

        if (group.Count == group.Listed.Length) Array.Resize(ref group.Listed, group.Count * 2);
        at = ~at;
        group.Listed.AsSpan(at, group.Count - at).CopyTo(group.Listed.AsSpan(at + 1));
        group.Listed[at] = low;
        group.Count++;
        return true;
    }

    public bool Contains(long key)
    {
        if (!_groups.TryGetValue(key >> LowBits, out var group)) return false;
        var low = (ushort)(key & LowMask);
        return group.Bits is { } bits ? (bits[low >> 6] & (1UL << low)) != 0 : Array.BinarySearch(group.Listed!, 0, group.Count, low) >= 0;
    }

    public bool Remove(long key)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrNullRef(_groups, key >> LowBits);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref group)) return false;
        var low = (ushort)(key & LowMask);
        if (group.Bits is { } bits)
        {
            var had = (bits[low >> 6] & (1UL << low)) != 0;
            bits[low >> 6] &= ~(1UL << low);
            return had;
        }

        var at = Array.BinarySearch(group.Listed!, 0, group.Count, low);
        if (at < 0) return false;
        group.Listed.AsSpan(at + 1, group.Count - at - 1).CopyTo(group.Listed.AsSpan(at));
        if (--group.Count == 0) _groups.Remove(key >> LowBits);
        return true;
    }

    public void UnionWith(IEnumerable<long> keys)
    {
        foreach (var key in keys) Add(key);
    }

    public void ExceptWith(IEnumerable<long> keys)
    {
        foreach (var key in keys) Remove(key);
    }
}
