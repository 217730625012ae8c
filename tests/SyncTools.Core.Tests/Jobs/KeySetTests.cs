using SyncTools.Core.Jobs;

namespace SyncTools.Core.Tests.Jobs;

/// <summary>The compact set of keys a job keeps of its parent tables: it must answer as a HashSet does.</summary>
public class KeySetTests
{
    [Theory]
    [InlineData(20_000L, 7)] // dense: groups past 256 keys turn into bitmaps and back to being added to and removed from
    [InlineData(long.MaxValue, 11)] // scattered over the whole range, negative keys too: every group a short list
    [InlineData(600L, 13)] // two groups around 0 (-300..-1 and 0..599), each across the list-to-bitmap change
    public void Adds_removes_and_finds_as_a_HashSet_does(long range, int seed)
    {
        var random = new Random(seed);
        var keys = new KeySet();
        var expected = new HashSet<long>();
        long Next() => range == long.MaxValue ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(-range / 2, range);
        var touched = new List<long>();

        for (var i = 0; i < 60_000; i++)
        {
            var key = i % 5 == 0 && touched.Count > 0 ? touched[random.Next(touched.Count)] : Next();
            touched.Add(key);
            if (random.Next(4) == 0) Assert.Equal(expected.Remove(key), keys.Remove(key));
            else Assert.Equal(expected.Add(key), keys.Add(key));
        }

        keys.UnionWith([1, 2, 3]);
        expected.UnionWith([1, 2, 3]);
        keys.ExceptWith(touched.Take(1000));
        expected.ExceptWith(touched.Take(1000));
        Assert.All(touched.Concat(Enumerable.Range(0, 5000).Select(_ => Next())), key => Assert.Equal(expected.Contains(key), keys.Contains(key)));
    }
}
