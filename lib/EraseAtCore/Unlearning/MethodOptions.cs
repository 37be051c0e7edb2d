using System.Globalization;

namespace EraseAtCore.Unlearning;

/// <summary>
/// A method's own knobs given as text (the CLI's repeatable <c>--option key=value</c>). Each method reads the
/// keys it knows; <see cref="EnsureAllUsed"/> then refuses any key nobody read, so a typo is an error and not
/// a silently ignored setting.
/// </summary>
public sealed class MethodOptions
{
    readonly Dictionary<string, string> _values;
    readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> _known = [];

    /// <summary>Options from key/value pairs (keys are case-insensitive).</summary>
    public MethodOptions(IReadOnlyDictionary<string, string>? values = null) =>
        _values = new Dictionary<string, string>(values ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The pairs as given (not the defaults a reader fell back to), sorted by key, as results record them.</summary>
    public IReadOnlyDictionary<string, string> Given => new SortedDictionary<string, string>(_values, StringComparer.Ordinal);

    /// <summary>No options: every method uses its defaults.</summary>
    public static MethodOptions None => new();

    /// <summary>These options with <paramref name="defaults"/> filled in for the keys not given (given values win).</summary>
    public MethodOptions WithDefaults(IReadOnlyDictionary<string, string> defaults)
    {
        var merged = new Dictionary<string, string>(defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in _values) merged[k] = v;
        return new MethodOptions(merged);
    }

    /// <summary>Parses "key=value" items; a malformed item or a repeated key is an error.</summary>
    public static MethodOptions Parse(IEnumerable<string> items)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0 || eq == item.Length - 1) throw new ArgumentException($"Method option '{item}' is not key=value (e.g. --option sparsity=0.5).");
            string key = item[..eq].Trim();
            if (!values.TryAdd(key, item[(eq + 1)..].Trim())) throw new ArgumentException($"Method option '{key}' is given twice.");
        }
        return new MethodOptions(values);
    }

    /// <summary>The number under <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public double Double(string key, double fallback)
    {
        if (Lookup(key) is not { } text) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new ArgumentException($"Method option {key}={text} is not a number.");
        return v;
    }

    /// <summary>The integer under <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public int Int(string key, int fallback)
    {
        if (Lookup(key) is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new ArgumentException($"Method option {key}={text} is not an integer.");
        return v;
    }

    /// <summary>true/false under <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (Lookup(key) is not { } text) return fallback;
        return bool.TryParse(text, out bool v) ? v : throw new ArgumentException($"Method option {key}={text} is not true or false.");
    }

    /// <summary>A comma-separated list under <paramref name="key"/> (e.g. points=layer2,layer3), or null when absent.</summary>
    public IReadOnlyList<string>? List(string key) =>
        Lookup(key) is { } text ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    /// <summary>A comma-separated list of numbers under <paramref name="key"/>, or null when absent.</summary>
    public IReadOnlyList<double>? Numbers(string key) => List(key)?.Select(t =>
        double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new ArgumentException($"Method option {key}: '{t}' is not a number.")).ToList();

    /// <summary>The text under <paramref name="key"/>, or <paramref name="fallback"/> when absent.</summary>
    public string? Text(string key, string? fallback) => Lookup(key) ?? fallback;

    /// <summary>The text under <paramref name="key"/> parsed as a value of <typeparamref name="T"/> (case-insensitive, dashes ignored), or <paramref name="fallback"/>.</summary>
    public T Choice<T>(string key, T fallback) where T : struct, Enum
    {
        if (Lookup(key) is not { } text) return fallback;
        if (!Enum.TryParse<T>(text.Replace("-", ""), ignoreCase: true, out var v) || !Enum.IsDefined(v))
            throw new ArgumentException($"Method option {key}={text} is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
        return v;
    }

    /// <summary>Refuses keys no reader asked for, listing the ones <paramref name="method"/> knows.</summary>
    public void EnsureAllUsed(string method)
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)} for {method}; " +
                                        (_known.Count > 0 ? $"it knows {string.Join(", ", _known.Distinct())}." : "it takes no options."));
    }

    string? Lookup(string key)
    {
        _known.Add(key);
        _read.Add(key);
        return _values.TryGetValue(key, out var v) ? v : null;
    }
}
