namespace SyncTools.Core.Jobs;

/// <summary>
/// Records spread over temporary files by the hash of their key: records of equal keys share a file, so each file can
/// be compared on its own, with a share of the records in memory instead of all of them. Within a file, records keep
/// the order they were written in.
/// </summary>
internal sealed class SpoolPartitions<T> : IDisposable where T : ISpooled<T>
{
    /// <summary>How many files: at a million records, about 16,000 a file.</summary>
    public const int Count = 64;

    private readonly Func<T, int> _hash;
    private readonly List<Spool<T>> _spools;

    /// <param name="job">Names the files (see <see cref="Spool{T}"/>; each is opened only when its spool outgrows memory).</param>
    /// <param name="hash">The hash of a record's key, equal for records whose keys are equal.</param>
    public SpoolPartitions(string job, Func<T, int> hash)
    {
        _hash = hash;
        _spools = Enumerable.Range(0, Count).Select(_ => new Spool<T>(job)).ToList();
    }

    public IReadOnlyList<Spool<T>> Spools => _spools;

    public void Write(in T record) => _spools[(int)((uint)_hash(record) % Count)].Write(record);

    public void Dispose() => _spools.ForEach(spool => spool.Dispose());
}
