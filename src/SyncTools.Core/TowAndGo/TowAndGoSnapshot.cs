using System.Buffers.Binary;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.TowAndGo;

/// <summary>One traffic link of a snapshot: a link and the segment it belongs to, if any.</summary>
public readonly record struct TowAndGoLink(long LinkId, long? SegmentId) : ISpooled<TowAndGoLink>
{
    /// <summary>Snapshots and their syncs keep links in synctools-towandgo-*.tmp.</summary>
    public const string SpoolName = "towandgo";

    /// <summary>
    /// Spreads links over files by link_id: the collection's documents are spread by the same hash of their _id. Mixed
    /// (Fibonacci hashing), so that ids that are all multiples of 64, say, still spread over every file.
    /// </summary>
    internal static int Hash(long linkId) => (int)(((ulong)linkId * 0x9E3779B97F4A7C15UL) >> 32);

    static int ISpooled<TowAndGoLink>.MaxSize(in TowAndGoLink record) => Size;

    static int ISpooled<TowAndGoLink>.Write(Span<byte> into, in TowAndGoLink record) => Write(into, record.LinkId, record.SegmentId, false);

    static TowAndGoLink ISpooled<TowAndGoLink>.Read(ReadOnlySpan<byte> from, out int size)
    {
        size = Size;
        return Read(from);
    }

    /// <summary>A link id, a flag byte and a segment: the record of a link, and of a stored link document.</summary>
    internal const int Size = 17;

    /// <param name="isOther">A stored segment_id that is neither a whole number nor null (flag 2).</param>
    internal static int Write(Span<byte> into, long linkId, long? segment, bool isOther)
    {
        BinaryPrimitives.WriteInt64LittleEndian(into, linkId);
        into[8] = (byte)((segment.HasValue ? 1 : 0) | (isOther ? 2 : 0));
        BinaryPrimitives.WriteInt64LittleEndian(into[9..], segment ?? 0);
        return Size;
    }

    /// <summary>The link id and segment of a record <see cref="Write(Span{byte}, long, long?, bool)"/> wrote.</summary>
    internal static TowAndGoLink Read(ReadOnlySpan<byte> from) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(from), (from[8] & 1) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(from[9..]) : null);

    internal static bool IsOther(ReadOnlySpan<byte> from) => (from[8] & 2) != 0;
}

/// <summary>A link of a snapshot and its place in the document (tow_and_go[Index]), spread over files by link_id.</summary>
internal readonly record struct PlacedLink(TowAndGoLink Link, int Index) : ISpooled<PlacedLink>
{
    public static SpoolPartitions<PlacedLink> Partitions() => new(TowAndGoLink.SpoolName, static placed => TowAndGoLink.Hash(placed.Link.LinkId));

    public static int MaxSize(in PlacedLink record) => TowAndGoLink.Size + sizeof(int);

    public static int Write(Span<byte> into, in PlacedLink record)
    {
        TowAndGoLink.Write(into, record.Link.LinkId, record.Link.SegmentId, false);
        BinaryPrimitives.WriteInt32LittleEndian(into[TowAndGoLink.Size..], record.Index);
        return TowAndGoLink.Size + sizeof(int);
    }

    public static PlacedLink Read(ReadOnlySpan<byte> from, out int size)
    {
        size = TowAndGoLink.Size + sizeof(int);
        return new PlacedLink(TowAndGoLink.Read(from), BinaryPrimitives.ReadInt32LittleEndian(from[TowAndGoLink.Size..]));
    }
}

/// <summary>
/// A validated Tow-and-Go snapshot: when it was taken, and its links, held in temporary files spread by link_id (so a
/// snapshot of millions of links takes little memory). Dispose it to remove the files.
/// </summary>
public sealed class TowAndGoSnapshot : IDisposable
{
    internal TowAndGoSnapshot(long lastModified, int linkCount, int nullSegmentCount, SpoolPartitions<PlacedLink> partitions)
    {
        (LastModified, LinkCount, NullSegmentCount, Partitions) = (lastModified, linkCount, nullSegmentCount, partitions);
    }

    /// <summary>The snapshot's <c>last_modified</c>, unix seconds.</summary>
    public long LastModified { get; }

    public DateTimeOffset SnapshotTime => DateTimeOffset.FromUnixTimeSeconds(LastModified);

    public int LinkCount { get; }

    public int NullSegmentCount { get; }

    /// <summary>Every link, file by file (in document order within a file).</summary>
    public IEnumerable<TowAndGoLink> Links => Partitions.Spools.SelectMany(spool => spool.Read()).Select(placed => placed.Link);

    /// <summary>The links and their places in the document, spread by <see cref="TowAndGoLink.Hash"/>: each file holds every link of its link_ids.</summary>
    internal SpoolPartitions<PlacedLink> Partitions { get; }

    public void Dispose() => Partitions.Dispose();
}
