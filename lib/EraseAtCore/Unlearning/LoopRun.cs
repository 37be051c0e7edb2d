using System.Diagnostics;
using EraseAtCore.Data;
using EraseAtCore.Models;
using EraseAtCore.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// One run of <see cref="UnlearningLoop"/>: the modules it trains, its loaders, its one optimiser, its step budget and
/// divergence guard, and the loop over epochs, passes and steps. Owns everything it creates; the model is the caller's.
/// </summary>
sealed class LoopRun : IDisposable
{
    readonly string _method;
    readonly UnlearnContext _context;
    readonly UnlearnConfig _config;
    readonly LoopPlan _plan;
    readonly StagedModel _model;
    readonly List<nn.Module> _trained;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<UnlearnLogEntry> _log = [];
    readonly LoopLoaders _loaders;
    readonly optim.Optimizer _optimizer;
    readonly StepBudget _budget;
    readonly DivergenceGuard _guard;
    long _global;
    string? _stop;

    public LoopRun(string method, UnlearnContext context, LoopPlan plan, StagedModel model)
    {
        (_method, _context, _config, _plan, _model) = (method, context, context.Config, plan, model);
        _trained = [model, .. plan.Companions];
        _loaders = new LoopLoaders(context.Split, _config, context);
        try
        {
            foreach (var m in _trained) { m.to(context.Feed.Device); m.train(); }
            var parameters = _trained.SelectMany(m => m.parameters()).ToList();
            _optimizer = optim.SGD(parameters, _config.LearningRate, _config.Momentum,
                weight_decay: plan.OptimizerAppliesDecay ? _config.WeightDecay : 0);
            _budget = new StepBudget(method, plan, _loaders, _config);
            _guard = new DivergenceGuard(method, model, _trained, _config.MaxWeightNormRatio);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    bool Done => _stop is not null || _global >= _budget.Total;

    /// <summary>Runs epochs until the budget is spent or the guard stops the run.</summary>
    public void RunEpochs()
    {
        for (int epoch = 1; epoch <= _budget.Epochs && !Done; epoch++)
        {
            _budget.CheckPassesRemain(epoch);
            int step = 0, epochSteps = _budget.StepsIn(epoch);
            foreach (var pass in _plan.Passes.Where(p => p.RunsIn(epoch)))
            {
                RunPass(pass, epoch, epochSteps, ref step);
                if (Done) break;
            }
        }
    }

    /// <summary>The unlearned model in eval mode (the caller's to dispose), the log, the wall time and why it stopped early.</summary>
    public UnlearnResult Finish()
    {
        _model.eval();
        foreach (var c in _plan.Companions) c.eval();
        return new UnlearnResult(_model, _method, _log, _clock.Elapsed, _stop);
    }

    // One sweep over the pass's driving set; the set it uses but does not drive is cycled alongside.
    void RunPass(LoopPass pass, int epoch, int epochSteps, ref int step)
    {
        var driver = _loaders.Of(pass.Driver);
        int passStep = 0;
        foreach (var driving in driver.Epoch(epoch))
        {
            step++; passStep++;
            Batch? other = _loaders.PartnerOf(pass);
            using (NewDisposeScope())
            {
                var losses = TakeStep(pass, driving, other, epoch, step);
                // Reading values forces a device sync: only at log points and at the end of a pass.
                if (step % _config.LogEvery == 0 || passStep == driver.BatchCount) AtLogPoint(losses, epoch, step, epochSteps);
            }
            driving.Images.Dispose(); driving.Labels.Dispose();
            if (other is { } o) { o.Images.Dispose(); o.Labels.Dispose(); }
            _context.StepDone?.Invoke(_global);
            _global++;
            if (Done) break;
        }
    }

    // One optimiser step of the pass's loss at the scheduled rate; the losses stay in the caller's dispose scope.
    IReadOnlyDictionary<string, Tensor> TakeStep(LoopPass pass, Batch driving, Batch? other, int epoch, int step)
    {
        var inputs = new StepInputs(_model,
            pass.Driver == EpochDriver.Forget ? driving : other,
            pass.Driver == EpochDriver.Retain ? driving : other,
            pass.Name, epoch, step, _global, _budget.Total);
        double rate = _config.Cosine ? CosineDecay.Rate(_config.LearningRate, _global, _budget.Total) : _config.LearningRate;
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = rate;
        _optimizer.zero_grad();
        var losses = pass.Loss(inputs);
        if (!losses.TryGetValue("total", out var loss))
            throw new InvalidOperationException($"{_method}'s loss returned no 'total' term.");
        loss.backward();
        _plan.AfterBackward?.Invoke(_model);
        _optimizer.step();
        return losses;
    }

    // Logs the step's losses, lets the guard judge them and reports progress.
    void AtLogPoint(IReadOnlyDictionary<string, Tensor> losses, int epoch, int step, int epochSteps)
    {
        var values = losses.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>());
        _log.Add(new UnlearnLogEntry(epoch, step, values));
        _stop = _guard.Check(values, epoch, step);
        _context.Progress?.Invoke(new UnlearnProgress(epoch, _budget.ShownEpochs, step, epochSteps, values, _clock.Elapsed, _global + 1, _budget.Total));
    }

    // Also called by a constructor that failed part-way, when later fields are still null.
    public void Dispose()
    {
        _guard?.Dispose();
        _optimizer?.Dispose();
        _loaders.Dispose();
    }
}
