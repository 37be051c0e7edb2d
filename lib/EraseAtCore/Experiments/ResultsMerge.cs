using System.Text.Json;

namespace EraseAtCore.Experiments;

/// <summary>Combines the results of shards (or of separate runs of one experiment) into one document.</summary>
public static class ResultsMerge
{
    /// <summary>Reads a results.json (a folder holding one, or the file), with a clear error if it is not one.</summary>
    public static ResultsDocument Read(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, "results.json") : path;
        if (!File.Exists(file)) throw new ArgumentException($"No results.json at '{file}'. Pass the output folder of `erase-core reproduce` or its results.json.");
        try
        {
            return JsonSerializer.Deserialize<ResultsDocument>(File.ReadAllText(file), RunFolder.Json)
                   ?? throw new ArgumentException($"'{file}' is empty.");
        }
        catch (JsonException e) { throw new ArgumentException($"'{file}' is not a results.json of erase-core ({e.Message})."); }
    }

    /// <summary>
    /// Merges documents of the same preset and forget request: models are combined (a (name, seed) pair that
    /// appears twice keeps the later one), projections and seeds united, timings summed, the summary recomputed.
    /// A model of the experiment's grid (<paramref name="grid"/>, else the documents' own) that none holds makes it an
    /// incomplete grid: refused, naming the missing models, unless <paramref name="allowIncomplete"/>, when the result
    /// lists them in <see cref="ResultsDocument.Missing"/>.
    /// </summary>
    public static ResultsDocument Merge(IReadOnlyList<ResultsDocument> docs, IReadOnlyList<GridCell>? grid = null, bool allowIncomplete = false)
    {
        if (docs.Count == 0) throw new ArgumentException("Nothing to merge.");
        var missing = Missing(docs, grid);
        if (missing.Count > 0 && !allowIncomplete)
            throw new IncompleteGridException(missing);
        var first = docs[0];
        foreach (var d in docs.Skip(1))
            if (d.Preset != first.Preset || d.Forget.ToString() != first.Forget.ToString() || !d.Stages.SequenceEqual(first.Stages))
                throw new ArgumentException($"Cannot merge results of different experiments: preset {first.Preset} / {first.Forget} vs {d.Preset} / {d.Forget}.");
        // The grid's order (the run's --methods), as an unsharded run lists them; the catalogue's for files without a grid.
        var cells = grid ?? docs.SelectMany(d => d.Grid).Distinct().ToList();
        var order = cells.Count > 0 ? cells.Select(c => c.Name).Distinct().ToList() : ["original", .. MethodCatalog.Names];
        var models = docs.SelectMany(d => d.Models).GroupBy(m => (m.Name, m.Seed)).Select(g => g.Last())
            .OrderBy(m => order.IndexOf(m.Name) is var i && i < 0 ? int.MaxValue : i).ThenBy(m => m.Seed).ToList();
        var timings = new Dictionary<string, double>();
        foreach (var (k, v) in docs.SelectMany(d => d.Timings)) timings[k] = timings.GetValueOrDefault(k) + v;
        var memory = new Dictionary<string, double>();
        foreach (var (k, v) in docs.SelectMany(d => d.MemoryMiB)) memory[k] = Math.Max(memory.GetValueOrDefault(k), v);
        var seeds = docs.SelectMany(d => d.Seeds).Distinct().Order().ToList();
        return first with
        {
            Seeds = seeds, Seed = seeds[0], Models = models, Summary = ResultTables.Summarise(models, first.Stages),
            Claims = Claims.Judge(models, first.Stages), Separation = Claims.Separation(models, first.Stages),
            Projections = docs.SelectMany(d => d.Projections).GroupBy(p => p.Name).Select(g => g.Last()).ToList(),
            Timings = timings, MemoryMiB = memory, Shard = $"merged {docs.Count}",
            Grid = cells, Missing = missing,
        };
    }

    /// <summary>The models of the grid (<paramref name="grid"/>, else every document's) that no document holds, in grid order.</summary>
    public static IReadOnlyList<GridCell> Missing(IReadOnlyList<ResultsDocument> docs, IReadOnlyList<GridCell>? grid = null)
    {
        var present = docs.SelectMany(d => d.Models).Select(m => new GridCell(m.Name, m.Seed)).ToHashSet();
        return (grid ?? docs.SelectMany(d => d.Grid).Distinct().ToList()).Where(c => !present.Contains(c)).ToList();
    }
}
