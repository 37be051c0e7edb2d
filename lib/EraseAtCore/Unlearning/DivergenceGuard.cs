using EraseAtCore.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// Stops a run whose loss turns NaN or infinite or whose weights' norm passes a multiple of the Original's, and puts
/// back the last state that passed (a snapshot taken at every log point).
/// </summary>
sealed class DivergenceGuard : IDisposable
{
    readonly string _method;
    readonly StagedModel _model;
    readonly IReadOnlyList<nn.Module> _trained;
    readonly double _normLimit;
    List<Tensor> _lastGood;

    public DivergenceGuard(string method, StagedModel model, IReadOnlyList<nn.Module> trained, double maxNormRatio)
    {
        (_method, _model, _trained) = (method, model, trained);
        _normLimit = ParameterNorm(model) * maxNormRatio;
        _lastGood = ModelCopy.Snapshot(trained);
    }

    /// <summary>Why the run must stop (its modules restored to the last good state), or null after keeping this state as the last good one.</summary>
    public string? Check(IReadOnlyDictionary<string, double> losses, int epoch, int step)
    {
        double norm = ParameterNorm(_model);
        if (losses.Values.Any(v => !double.IsFinite(v)) || !double.IsFinite(norm) || norm > _normLimit)
        {
            ModelCopy.Restore(_trained, _lastGood);
            return $"{_method} diverged at epoch {epoch} step {step} (loss {losses["total"]:G4}, weight norm {norm:G4}, " +
                   $"limit {_normLimit:G4}); kept the last good state. Lower the learning rate or the number of epochs.";
        }
        foreach (var t in _lastGood) t.Dispose();
        _lastGood = ModelCopy.Snapshot(_trained);
        return null;
    }

    public void Dispose()
    {
        foreach (var t in _lastGood) t.Dispose();
    }

    static double ParameterNorm(StagedModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sum = zeros(1, dtype: float64, device: model.parameters().First().device);
        foreach (var p in model.parameters()) sum.add_(p.detach().to(float64).pow(2).sum());
        return Math.Sqrt(sum.item<double>());
    }
}
