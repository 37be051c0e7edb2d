using System.Globalization;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>
/// What one model of a run is: its name in tables (e.g. <c>ec</c> or the variant <c>ec:lr=0.02,a=0.5</c>), the
/// method it runs, its shared optimisation settings and its method knobs, resolved from every source in force.
/// </summary>
/// <param name="Name">The model's name in results (the variant name when one was given).</param>
/// <param name="Method">The catalog method it runs (ec, rl, rl+ec, ...).</param>
/// <param name="Config">Shared settings: epochs or step budget, lr, batch size, momentum, weight decay, cosine.</param>
/// <param name="Options">The method's own knobs as text (key=value), sorted by key.</param>
public sealed record ResolvedMethod(string Name, string Method, UnlearnConfig Config, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The knobs as the method reads them.</summary>
    public MethodOptions MethodOptions => new(Options);
}

/// <summary>
/// Per-model settings of a run, from <c>--option scope.key=value</c> items and variant names, so sweeps and
/// ablations go through the runner and its cache. Scopes: <c>all</c> (every unlearning method; shared keys only)
/// or a method (<c>ec</c>, <c>salun</c>, <c>rl+ec</c>; its variants included). A variant <c>method:key=value,key=value</c>
/// in <c>--methods</c> runs <c>method</c> with those settings under its own name beside the default one.
/// Precedence, lowest first: the catalog's default, <c>all</c>, the method, the variant's inline pairs.
/// </summary>
public sealed class MethodSettings
{
    /// <summary>Keys every method takes (they set <see cref="UnlearnConfig"/>, not a method knob).</summary>
    public static IReadOnlyList<string> SharedKeys { get; } = ["epochs", "steps", "lr", "batch-size", "momentum", "weight-decay", "cosine"];

    readonly List<(string Scope, string Key, string Value)> _items;

    MethodSettings(List<(string, string, string)> items) => _items = items;

    /// <summary>No per-model settings: every model uses the catalog's defaults.</summary>
    public static MethodSettings None { get; } = new([]);

    /// <summary>The items as given (scope.key=value), for results.json.</summary>
    public IReadOnlyList<string> Items => _items.Select(i => $"{i.Scope}.{i.Key}={i.Value}").ToList();

    /// <summary>Parses <c>scope.key=value</c> items; a malformed item, an unknown scope or a repeated key is an error naming the fix.</summary>
    public static MethodSettings Parse(IEnumerable<string> items)
    {
        var list = new List<(string, string, string)>();
        foreach (var raw in items)
        {
            int eq = raw.IndexOf('=');
            int dot = eq > 0 ? raw.IndexOf('.') : -1;
            if (eq <= 0 || eq == raw.Length - 1 || dot <= 0 || dot >= eq - 1)
                throw new ArgumentException($"--option '{raw}' is not method.key=value (e.g. --option ec.temperature=0.2, --option salun.sparsity=0.3, --option all.steps=100).");
            string scope = raw[..dot].Trim().ToLowerInvariant(), key = raw[(dot + 1)..eq].Trim().ToLowerInvariant(), value = raw[(eq + 1)..].Trim();
            if (scope == "retrain" || scope == "original")
                throw new ArgumentException($"--option '{raw}': {scope} takes the preset's training recipe, not unlearning options; use train's options on the preset.");
            if (scope == "all" && !SharedKeys.Contains(key))
                throw new ArgumentException($"--option '{raw}': all.* takes only the shared keys ({string.Join(", ", SharedKeys)}); give method knobs per method, e.g. ec.{key}={value}.");
            if (scope != "all") CheckMethod(scope, $"--option '{raw}'");
            if (list.Any(i => i.Item1 == scope && i.Item2 == key)) throw new ArgumentException($"--option {scope}.{key} is given twice; keep one.");
            list.Add((scope, key, value));
        }
        return new MethodSettings(list);
    }

    /// <summary>These settings on top of <paramref name="defaults"/> (e.g. a preset's recipe): an item given in both keeps this one's value.</summary>
    public MethodSettings Over(MethodSettings defaults) =>
        defaults._items.Count == 0 ? this
        : new([.. defaults._items.Where(d => !_items.Any(i => i.Scope == d.Scope && i.Key == d.Key)), .. _items]);

    /// <summary>
    /// Splits a model name into its method and inline settings: <c>ec:lr=0.02,a=0.5</c> is ec with lr 0.02 and a 0.5;
    /// a list value keeps its commas (<c>ec:points=layer3,layer4,a=2</c>: points layer3 and layer4, a 2).
    /// </summary>
    public static (string Method, IReadOnlyList<(string Key, string Value)> Pairs) Variant(string name)
    {
        int colon = name.IndexOf(':');
        if (colon < 0) return (name.ToLowerInvariant(), []);
        // A part without '=' continues the previous value, so list knobs read naturally: ec:points=layer3,layer4,a=2.
        var parts = new List<string>();
        foreach (var part in name[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.Contains('=') && parts.Count > 0) parts[^1] += "," + part;
            else parts.Add(part);
        }
        var pairs = new List<(string, string)>();
        foreach (var part in parts)
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || eq == part.Length - 1)
                throw new ArgumentException($"Variant '{name}': '{part}' is not key=value (e.g. ec:lr=0.02,temperature=0.2).");
            pairs.Add((part[..eq].Trim().ToLowerInvariant(), part[(eq + 1)..].Trim()));
        }
        return (name[..colon].ToLowerInvariant(), pairs);
    }

    /// <summary>The base method of a model name (the part before ':').</summary>
    public static string MethodOf(string name) => Variant(name).Method;

    /// <summary>Checks that a model name names a method the catalog knows (or a variant of one).</summary>
    public static void CheckModelName(string name, string where)
    {
        var (method, _) = Variant(name);
        if (method == "original") { if (name.Contains(':')) throw new ArgumentException($"{where}: the Original takes no variant settings."); return; }
        CheckMethod(method, where);
        if (method == "retrain" && name.Contains(':')) throw new ArgumentException($"{where}: retrain takes the preset's recipe and no variant settings.");
    }

    static void CheckMethod(string method, string where)
    {
        if (method != "original" && !MethodCatalog.IsKnown(method))
            throw new ArgumentException(MethodCatalog.UnknownMessage(method, where));
    }

    /// <summary>The settings of model <paramref name="name"/> for <paramref name="seed"/>; the method is created once to check its knobs.</summary>
    public ResolvedMethod Resolve(string name, int seed)
    {
        var (method, inline) = Variant(name);
        var config = MethodCatalog.DefaultConfig(method) with { Seed = seed };
        var knobs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (method == "retrain") return new ResolvedMethod(name, method, config, knobs);
        var ordered = _items.Where(i => i.Scope == "all").Select(i => (i.Key, i.Value))
            .Concat(_items.Where(i => i.Scope == method).Select(i => (i.Key, i.Value)))
            .Concat(inline);
        foreach (var (rawKey, value) in ordered)
        {
            // "temperature" is EC's own knob when the model is EC alone (X+EC hosts may have a temperature of their own).
            string key = method == "ec" && rawKey == "temperature" ? "ec-temperature" : rawKey;
            if (SharedKeys.Contains(key)) config = Apply(config, key, value, name);
            else knobs[key] = value;
        }
        config.Validate();
        return new ResolvedMethod(name, method, config, knobs);
    }

    static UnlearnConfig Apply(UnlearnConfig c, string key, string value, string name)
    {
        double Number() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new ArgumentException($"{name}: {key}={value} is not a number.");
        int Whole() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new ArgumentException($"{name}: {key}={value} is not an integer.");
        return key switch
        {
            // A narrower scope's epochs replace a broader step budget, and the other way round.
            "epochs" => c with { Epochs = Whole(), Steps = null },
            "steps" => c with { Steps = Whole() },
            "lr" => c with { LearningRate = Number() },
            "batch-size" => c with { BatchSize = Whole() },
            "momentum" => c with { Momentum = Number() },
            "weight-decay" => c with { WeightDecay = Number() },
            "cosine" => c with { Cosine = bool.TryParse(value, out bool b) ? b : throw new ArgumentException($"{name}: cosine={value} is not true or false.") },
            _ => throw new InvalidOperationException(key),
        };
    }
}
