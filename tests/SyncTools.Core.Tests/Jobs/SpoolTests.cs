using SyncTools.Core.Jobs;
using SyncTools.Core.Tests.Support;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Core.Tests.Jobs;

/// <summary>The temporary files jobs keep records in instead of memory.</summary>
public class SpoolTests
{
    private static string[] Files() => SpoolFiles.Open("spooltest");

    [Fact]
    public void Texts_of_every_size_come_back_as_written_in_order_however_the_buffer_cuts_them_and_the_file_goes_with_the_spool()
    {
        // Sizes from empty to past the 64 KiB buffer, in UTF-8 of one to four bytes a character, so that records straddle every cut.
        var random = new Random(7);
        var texts = Enumerable.Range(0, 3000).Select(i => string.Concat(Enumerable.Repeat(
            (i % 4) switch { 0 => "a", 1 => "é", 2 => "€", _ => "😀" }, i == 1500 ? 70_000 : random.Next(0, 300)))).ToList();
        var before = Files();

        using (var spool = new Spool<SpooledText>("spooltest"))
        {
            for (var i = 0; i < texts.Count; i++) spool.Write(new SpooledText(texts[i], long.MaxValue - i));
            Assert.Single(Files().Except(before));
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "synctools-spooltest-*")); // no name to be left behind

            var expected = texts.Select((text, i) => new SpooledText(text, long.MaxValue - i));
            Assert.Equal(expected, spool.Read());
            Assert.Equal(expected, spool.Read()); // read again from the start
            Assert.Equal(3000, spool.Count);
        }

        Assert.Equal(before, Files());
    }

    [Fact]
    public void A_spool_that_fits_its_buffer_stays_in_memory()
    {
        var before = Files();
        using var spool = new Spool<SpooledText>("spooltest");

        for (var i = 0; i < 1000; i++) spool.Write(new SpooledText($"id-{i}", -i));

        Assert.Equal(before, Files());
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => new SpooledText($"id-{i}", -i)), spool.Read());
    }

    [Fact]
    public void Links_spread_over_the_files_by_link_id_keep_their_order_within_a_file_and_ids_in_steps_of_64_use_every_file()
    {
        var links = new[] { long.MaxValue, 1, 65, 129, -1 }.SelectMany(id => new[] { new PlacedLink(new TowAndGoLink(id, null), 0), new PlacedLink(new TowAndGoLink(id, long.MinValue), 1), new PlacedLink(new TowAndGoLink(id, 0), 2) }).ToList();

        using var partitions = PlacedLink.Partitions();
        links.ForEach(link => partitions.Write(link));

        Assert.Equal(links.OrderBy(l => l.Link.LinkId).ThenBy(l => l.Index), partitions.Spools.SelectMany(s => s.Read()).OrderBy(l => l.Link.LinkId).ThenBy(l => l.Index));
        Assert.All(partitions.Spools, spool => Assert.Equal(spool.Read().GroupBy(l => l.Link.LinkId).SelectMany(g => g.OrderBy(l => l.Index)), spool.Read().GroupBy(l => l.Link.LinkId).SelectMany(g => g)));
        Assert.Equal(64, Enumerable.Range(1, 64 * 64).Select(i => (uint)TowAndGoLink.Hash(i * 64L) % 64).Distinct().Count());
    }
}
