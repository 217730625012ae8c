namespace SyncTools.Core.Jobs;

/// <summary>
/// Records spread over temporary files by the hash of their key: records of equal keys share a file, so each file can
/// be compared on its own, with a share of the records in memory instead of all of them. Within a file, records keep
/// the order they were written in.
/// </summary>
internal sealed class SpoolPartitions<T> : IDisposable
{
    /// <summary>How many files: at a million records, about 16,000 a file.</summary>
    public const int DefaultCount = 64;

    private readonly Func<T, int> _hash;
    private readonly List<Spool<T>> _spools = new(DefaultCount);

    /// <param name="hash">The hash of a record's key, equal for records whose keys are equal.</param>
    public SpoolPartitions(Func<T, int> hash, Func<Spool<T>> create)
    {
        _hash = hash;
        try
        {
            while (_spools.Count < DefaultCount) _spools.Add(create());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<Spool<T>> Spools => _spools;

    public void Write(T record) => _spools[(int)((uint)_hash(record) % (uint)_spools.Count)].Write(record);

    public void Dispose() => _spools.ForEach(spool => spool.Dispose());
}
