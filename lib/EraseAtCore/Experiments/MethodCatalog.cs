using System.Reflection;
using EraseAtCore.Ec;
using EraseAtCore.Training;
using EraseAtCore.Unlearning;

namespace EraseAtCore.Experiments;

/// <summary>
/// Every method the kit runs, by the name results use, and the only place that resolves names: the methods that
/// declare a <see cref="MethodDescriptor"/> (<see cref="IDescribedMethod"/>; found in this library, or added with
/// <see cref="Register(MethodDescriptor)"/>), and for each method EC can plug into, "name+ec". It lives here, above
/// Unlearning and Ec, because it is the one place that knows both.
/// </summary>
public static class MethodCatalog
{
    // One entry per registration, so disposing an older registration of a name never removes a newer one.
    sealed record Entry(MethodDescriptor Descriptor);

    static readonly object Gate = new();
    static readonly IReadOnlyList<MethodDescriptor> BuiltIns = Discover(typeof(MethodCatalog).Assembly);
    static IReadOnlyList<Entry> _entries = BuiltIns.Select(d => new Entry(d)).ToList();

    // Every call reads the list once: a registration on another thread replaces it whole, never changes it in place.
    static IReadOnlyList<MethodDescriptor> Methods => Volatile.Read(ref _entries).Select(e => e.Descriptor).ToList();

    /// <summary>Every method name in the order tables list them and the default grid runs them: each method, then the default plug-ins (the Original is not a method).</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            var methods = Methods;
            return [.. methods.Select(m => m.Name), .. DefaultHosts(methods).Select(h => h + EcHosting.Suffix)];
        }
    }

    /// <summary>The hosts EC plugs into in the default grid (the paper's choice), in table order of their plug-ins.</summary>
    public static IReadOnlyList<string> PlugInHosts => DefaultHosts(Methods);

    /// <summary>Whether <paramref name="name"/> is a method (or host+ec for a method EC can plug into).</summary>
    public static bool IsKnown(string name) => TryDescribe(name, Methods) is not null;

    /// <summary>The descriptor of <paramref name="name"/> (case-insensitive); host+ec gets one made from its host's.</summary>
    public static MethodDescriptor Describe(string name)
    {
        var methods = Methods;
        return TryDescribe(name, methods) ?? throw new ArgumentException($"Unknown unlearning method '{name}'. {Known(methods)}");
    }

    /// <summary>The error for a name that is no method, after <paramref name="where"/>: what is known and which methods take EC.</summary>
    public static string UnknownMessage(string name, string where) => $"{where}: unknown method '{name}'. {Known(Methods)}";

    /// <summary>Default shared settings of <paramref name="name"/> (its descriptor's; for host+ec the plug-in's own when tuned, else the host's).</summary>
    public static UnlearnConfig DefaultConfig(string name) => Describe(name).DefaultConfig;

    /// <summary>How charts and tables write a model's name: "Original", the method's label ("SalUn", "RL+EC"), or the name itself (a variant such as ec:lr=0.02).</summary>
    public static string Label(string name) => name == "original" ? "Original" : TryDescribe(name, Methods)?.Label ?? name;

    /// <summary>Relative cost of producing the model <paramref name="name"/> (a method, a variant of one, or the Original, which costs what Retrain costs).</summary>
    public static double Cost(string name)
    {
        string method = MethodSettings.MethodOf(name);
        return Describe(method == "original" ? "retrain" : method).Cost;
    }

    /// <summary>
    /// Creates <paramref name="name"/> from its knobs. For host+ec the knobs are shared by host and EC (each reads its
    /// own keys); a key nobody read is refused, naming the keys the method knows.
    /// </summary>
    public static IUnlearningMethod Create(string name, TrainConfig recipe, MethodOptions? options = null)
    {
        var descriptor = Describe(name);
        var o = (options ?? MethodOptions.None).WithDefaults(DefaultKnobs(descriptor.Name));
        var method = descriptor.Create(new MethodRequest(recipe, o));
        o.EnsureAllUsed(descriptor.Name);
        return method;
    }

    /// <summary>Knob defaults that differ for a plug-in from its host's own (<see cref="EcHosting.Knobs"/>); empty for others.</summary>
    public static IReadOnlyDictionary<string, string> DefaultKnobs(string name) =>
        (Host(name.ToLowerInvariant(), Methods) is { } host ? host.Ec?.Knobs : null) ?? new Dictionary<string, string>();

    /// <summary>
    /// Adds a method defined outside this library (a notebook's or another project's), as the library's own are found.
    /// Registering a name again replaces the earlier registration (a re-run notebook cell); a built-in name is refused.
    /// Dispose the result to remove it.
    /// </summary>
    public static IDisposable Register(MethodDescriptor descriptor)
    {
        descriptor.Validate();
        if (BuiltIns.Any(b => b.Name == descriptor.Name)) throw new ArgumentException($"Method '{descriptor.Name}' is built in; give yours another name.");
        var entry = new Entry(descriptor);
        lock (Gate)
            Volatile.Write(ref _entries, Ordered([.. _entries.Where(e => e.Descriptor.Name != descriptor.Name), entry]));
        return new Registration(entry);
    }

    /// <summary>Adds the method <typeparamref name="T"/> by its own descriptor (see <see cref="Register(MethodDescriptor)"/>).</summary>
    public static IDisposable Register<T>() where T : IDescribedMethod => Register(T.Descriptor);

    /// <summary>Adds every method of <paramref name="assembly"/> that declares a descriptor, found as this library's own are; all or none.</summary>
    public static IDisposable RegisterAll(Assembly assembly)
    {
        var added = new List<IDisposable>();
        try
        {
            foreach (var descriptor in Discover(assembly)) added.Add(Register(descriptor));
        }
        catch
        {
            foreach (var registration in added) registration.Dispose();
            throw;
        }
        return new Registrations(added);
    }

    sealed class Registration(Entry entry) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Volatile.Write(ref _entries, _entries.Where(e => !ReferenceEquals(e, entry)).ToList());
        }
    }

    sealed class Registrations(IReadOnlyList<IDisposable> items) : IDisposable
    {
        public void Dispose() { foreach (var item in items) item.Dispose(); }
    }

    static MethodDescriptor? TryDescribe(string name, IReadOnlyList<MethodDescriptor> methods)
    {
        string key = name.ToLowerInvariant();
        if (Host(key, methods) is { Ec: { } hosting } host)
        {
            return new MethodDescriptor
            {
                Name = key, Label = host.Label + "+EC", Cost = host.Cost, DefaultConfig = hosting.Config ?? host.DefaultConfig,
                Create = r =>
                {
                    var ec = EcOptions.Read(r.Options);
                    return host.Create(r) is LoopMethod loop ? new EcPlugin(loop, ec)
                        : throw new ArgumentException($"EC cannot plug into '{host.Name}': it does not unlearn from the Original with the shared loop.");
                },
            };
        }
        return methods.FirstOrDefault(m => m.Name == key);
    }

    static MethodDescriptor? Host(string key, IReadOnlyList<MethodDescriptor> methods) =>
        EcHosting.HostOf(key) is { } host ? methods.FirstOrDefault(m => m.Name == host) : null;

    static string Known(IReadOnlyList<MethodDescriptor> methods) =>
        $"Known: {string.Join(", ", methods.Select(m => m.Name).Concat(DefaultHosts(methods).Select(h => h + EcHosting.Suffix)))}; " +
        $"EC plugs into {string.Join(", ", methods.Where(m => m.Ec is not null).Select(m => m.Name))} as name{EcHosting.Suffix}.";

    static IReadOnlyList<string> DefaultHosts(IReadOnlyList<MethodDescriptor> methods) =>
        methods.Where(m => m.Ec?.DefaultGridOrder is not null).OrderBy(m => m.Ec!.DefaultGridOrder).Select(m => m.Name).ToList();

    // OrderBy is stable: methods of the same TableOrder keep the order they were registered in.
    static IReadOnlyList<Entry> Ordered(IEnumerable<Entry> entries) => entries.OrderBy(e => e.Descriptor.TableOrder).ToList();

    static IReadOnlyList<MethodDescriptor> Discover(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.OfType<Type>().ToArray(); }   // the types that did load
        var read = typeof(MethodCatalog).GetMethod(nameof(DescriptorOf), BindingFlags.NonPublic | BindingFlags.Static)!;
        var found = types
            .Where(t => !t.IsAbstract && !t.ContainsGenericParameters && typeof(IDescribedMethod).IsAssignableFrom(t))
            .Select(t => (MethodDescriptor)read.MakeGenericMethod(t).Invoke(null, null)!)
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var d in found) d.Validate();
        var twice = found.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new InvalidOperationException($"Two methods of {assembly.GetName().Name} are named '{twice.Key}'.");
        return found.OrderBy(d => d.TableOrder).ToList();
    }

    // Reads the static abstract member however the type implements it (also explicitly).
    static MethodDescriptor DescriptorOf<T>() where T : IDescribedMethod => T.Descriptor;
}
