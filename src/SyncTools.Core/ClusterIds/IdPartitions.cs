namespace SyncTools.Core.ClusterIds;

/// <summary>
/// Ids spread over temporary files by their hash under a comparer: ids equal under it share a file, so each file can
/// be compared on its own, with a share of the ids in memory instead of all of them.
/// </summary>
internal sealed class IdPartitions : IDisposable
{
    private readonly IEqualityComparer<string> _comparer;
    private readonly List<IdSpool> _spools;

    public IdPartitions(IEqualityComparer<string> comparer, int count)
    {
        _comparer = comparer;
        _spools = new List<IdSpool>(count);
        try
        {
            while (_spools.Count < count) _spools.Add(new IdSpool());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<IdSpool> Spools => _spools;

    public void Write(string id) => _spools[(int)((uint)_comparer.GetHashCode(id) % (uint)_spools.Count)].Write(id);

    public void Dispose() => _spools.ForEach(spool => spool.Dispose());
}
