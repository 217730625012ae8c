namespace SyncTools.Core.TowAndGo;

/// <summary>One traffic link of a snapshot: a link and the segment it belongs to, if any.</summary>
public readonly record struct TowAndGoLink(long LinkId, long? SegmentId);

/// <summary>A validated Tow-and-Go snapshot: when it was taken and its links, in document order.</summary>
/// <param name="positions">Each link's position in <paramref name="links"/>, by link_id.</param>
public sealed class TowAndGoSnapshot(long lastModified, IReadOnlyList<TowAndGoLink> links, IReadOnlyDictionary<long, int> positions)
{
    /// <summary>The snapshot's <c>last_modified</c>, unix seconds.</summary>
    public long LastModified { get; } = lastModified;

    public DateTimeOffset SnapshotTime => DateTimeOffset.FromUnixTimeSeconds(LastModified);

    public IReadOnlyList<TowAndGoLink> Links { get; } = links;

    public int NullSegmentCount => Links.Count(l => l.SegmentId is null);

    /// <summary>Where the link with this id is in <see cref="Links"/>.</summary>
    public bool TryGetPosition(long linkId, out int position) => positions.TryGetValue(linkId, out position);
}
