using System.Reflection;
using System.Reflection.Emit;
using EraseAtCore.Experiments;

namespace EraseAtCore.Tests.Architecture;

/// <summary>
/// The library's namespaces form layers, and none uses one above it: what a type uses is read from the compiled assembly
/// (base types, fields, signatures, and every type, method and field token in its method bodies' IL), so a using directive
/// that is missing or a fully qualified name cannot hide a dependency.
/// </summary>
public sealed class LayeringTests
{
    // Lowest first; namespaces on one line may use each other. EraseAtCore.Build is the ELF patcher the build shares with the runtime. Plots renders what Experiments reports; Benchmarks times
    // every layer and sits at the top with Experiments.
    static readonly string[][] Layers =
    [
        ["EraseAtCore", "EraseAtCore.Build", "EraseAtCore.Runtime", "EraseAtCore.Data", "EraseAtCore.Models"],
        ["EraseAtCore.Training", "EraseAtCore.Metrics", "EraseAtCore.Interop"],
        ["EraseAtCore.Unlearning"],
        ["EraseAtCore.Ec"],
        ["EraseAtCore.Plots"],
        ["EraseAtCore.Experiments", "EraseAtCore.Benchmarks"],
    ];

    static int LayerOf(string ns) =>
        Array.FindIndex(Layers, layer => layer.Contains(ns)) is >= 0 and var i ? i : throw new InvalidOperationException($"namespace {ns} has no layer: add it to LayeringTests.Layers");

    [Fact]
    public void No_namespace_uses_one_above_it()
    {
        var assembly = typeof(ExperimentRunner).Assembly;
        var edges = Dependencies(assembly).ToList();
        Assert.True(edges.Count > 50, $"only {edges.Count} dependencies read: the reader is broken");
        var upward = edges.Where(e => LayerOf(e.From) < LayerOf(e.To)).Select(e => $"{e.From} -> {e.To} ({e.Via})").Distinct().Order().ToList();
        Assert.True(upward.Count == 0, "namespaces using one above them:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void The_reader_sees_a_dependency_that_exists()
    {
        // The runner uses the unlearning methods through MethodCatalog: the reader must see Experiments -> Unlearning.
        var edges = Dependencies(typeof(ExperimentRunner).Assembly).ToList();
        Assert.Contains(edges, e => e.From == "EraseAtCore.Experiments" && e.To == "EraseAtCore.Unlearning");
        Assert.Contains(edges, e => e.From == "EraseAtCore.Ec" && e.To == "EraseAtCore.Unlearning");
    }

    /// <summary>(namespace of a type, namespace of a type of the same assembly it uses, the using type's name).</summary>
    internal static IEnumerable<(string From, string To, string Via)> Dependencies(Assembly assembly)
    {
        // The kit's own namespaces only: the compiler embeds helper types of its own (nullable attributes, array initialisers).
        foreach (var type in assembly.GetTypes().Where(t => Namespace(t).StartsWith("EraseAtCore", StringComparison.Ordinal)))
        {
            string from = Namespace(type);
            foreach (var used in Used(type).SelectMany(Expand).Where(t => t.Assembly == assembly && Namespace(t).StartsWith("EraseAtCore", StringComparison.Ordinal)).Distinct())
            {
                string to = Namespace(used);
                if (to != from) yield return (from, to, $"{type.FullName} uses {used.FullName}");
            }
        }
    }

    static string Namespace(Type type) => (type.IsNested ? Namespace(type.DeclaringType!) : type.Namespace) ?? "";

    static IEnumerable<Type> Expand(Type type)
    {
        if (type.IsGenericParameter) yield break;
        if (type.HasElementType) { foreach (var t in Expand(type.GetElementType()!)) yield return t; yield break; }
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType) foreach (var argument in type.GetGenericArguments()) foreach (var t in Expand(argument)) yield return t;
    }

    const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static IEnumerable<Type> Used(Type type)
    {
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(All)) yield return f.FieldType;
        foreach (var p in type.GetProperties(All)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) yield return mi.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
            foreach (var t in BodyTypes(type, m)) yield return t;
        }
    }

    static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (ushort)o.Value);

    // Walks the IL and resolves every type, method and field token to the type it belongs to.
    static IEnumerable<Type> BodyTypes(Type type, MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            var op = il[i] == 0xFE ? OpCodesByValue[(ushort)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType)
            {
                Type? owner = null;
                try
                {
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    owner = member as Type ?? member?.DeclaringType;
                }
                catch (ArgumentException) { }   // a token the reflection context cannot resolve (e.g. a vararg signature)
                if (owner is not null) yield return owner;
            }
            i += operand;
        }
    }
}
