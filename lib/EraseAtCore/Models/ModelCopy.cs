using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Models;

/// <summary>Copies of a model's weights: a whole new model, or an in-memory snapshot to roll back to.</summary>
public static class ModelCopy
{
    /// <summary>A fresh model with <paramref name="original"/>'s architecture and weights (buffers included), on <paramref name="device"/>.</summary>
    public static StagedModel Of(StagedModel original, Device device)
    {
        var copy = original.Spec.Create();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) original.save(writer);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true)) copy.load(reader);
        copy.to(device);
        return copy;
    }

    /// <summary>Detached clones of every parameter and buffer of <paramref name="modules"/> (caller disposes).</summary>
    internal static List<Tensor> Snapshot(IEnumerable<nn.Module> modules)
    {
        using var _ = no_grad();
        return modules.SelectMany(m => m.state_dict().Values).Select(t => t.detach().clone().DetachFromDisposeScope()).ToList();
    }

    /// <summary>Copies a <see cref="Snapshot"/> back (same modules, same order).</summary>
    internal static void Restore(IEnumerable<nn.Module> modules, List<Tensor> snapshot)
    {
        using var _ = no_grad();
        int i = 0;
        foreach (var t in modules.SelectMany(m => m.state_dict().Values)) t.copy_(snapshot[i++]);
    }
}
