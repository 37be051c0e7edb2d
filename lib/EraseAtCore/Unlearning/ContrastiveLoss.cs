using static TorchSharp.torch;

namespace EraseAtCore.Unlearning;

/// <summary>
/// Contrastive unlearning losses on embeddings (one row per image). Shared by CU (last stage only) and EC
/// (every supervision point). Both functions L2-normalise their inputs first (a no-op for embeddings that
/// are already unit length), so similarities are cosines in [-1, 1] and 1 / temperature bounds the logits.
/// Both return a differentiable scalar and never read values back to the CPU (no device sync).
/// </summary>
public static class ContrastiveLoss
{
    /// <summary>
    /// The contrastive unlearning loss (after Lee et al., "Contrastive Unlearning", arXiv:2401.10458; the
    /// definition in docs/paper-notes.md). For each forget anchor i and the retain batch r:
    /// L_i = - mean over p in P(i) of log( exp(z_i.z_p / t) / sum over all r of exp(z_i.z_r / t) ),
    /// with P(i) the retain samples whose label differs from y_i: the anchor is pulled toward other classes,
    /// and same-class retain samples (present in sample-wise forgetting) only appear in the denominator, so
    /// the anchor is pushed away from them. The loss is the mean of L_i over anchors with a non-empty P(i);
    /// anchors without one are skipped, and the loss is 0 (still attached to the graph) when no anchor has one.
    /// Gradients reach both the forget and the retain embeddings.
    /// <para>
    /// With <paramref name="forgetNegatives"/>, the denominator also runs over the batch's other forget samples
    /// whose label equals the anchor's (as negatives, never positives), as in Lee et al.'s class-wise form. This
    /// matters when a whole class is forgotten: every retain sample is then a positive, the loss without forget
    /// negatives only asks each anchor to be equally similar to all retain samples (it sits at log R from the
    /// start and barely moves), while with them it pulls each anchor away from its own class's cluster and
    /// toward the other classes.
    /// </para>
    /// </summary>
    /// <param name="forgetEmbeddings">F x d embeddings of forget images (the anchors).</param>
    /// <param name="forgetLabels">F labels (int64).</param>
    /// <param name="retainEmbeddings">R x d embeddings of retain images.</param>
    /// <param name="retainLabels">R labels (int64).</param>
    /// <param name="temperature">t &gt; 0; smaller values sharpen the softmax over retain samples.</param>
    /// <param name="forgetNegatives">Also contrast each anchor against the batch's same-class forget samples (see above).</param>
    public static Tensor Unlearning(Tensor forgetEmbeddings, Tensor forgetLabels, Tensor retainEmbeddings, Tensor retainLabels, double temperature,
        bool forgetNegatives = false)
    {
        CheckShapes(forgetEmbeddings, forgetLabels, "forget");
        CheckShapes(retainEmbeddings, retainLabels, "retain");
        if (forgetEmbeddings.shape[1] != retainEmbeddings.shape[1])
            throw new ArgumentException($"Forget and retain embeddings differ in width ({forgetEmbeddings.shape[1]} vs {retainEmbeddings.shape[1]}).");
        CheckTemperature(temperature);
        using var scope = NewDisposeScope();
        var zf = nn.functional.normalize(forgetEmbeddings, dim: 1);
        var zr = nn.functional.normalize(retainEmbeddings, dim: 1);
        var logits = zf.matmul(zr.t()).div(temperature);                               // F x R
        var denominator = logits.logsumexp(1, keepdim: true);                          // over all retain samples
        if (forgetNegatives)
        {
            // Same-class forget partners (the anchor itself excluded) join the denominator; others get -inf.
            var sameClass = forgetLabels.unsqueeze(1).eq(forgetLabels.unsqueeze(0)).logical_and(eye(forgetLabels.shape[0], dtype: ScalarType.Bool, device: zf.device).logical_not());
            var negatives = zf.matmul(zf.t()).div(temperature).masked_fill(sameClass.logical_not(), double.NegativeInfinity);
            denominator = cat([logits, negatives], 1).logsumexp(1, keepdim: true);
        }
        var logProb = logits.sub(denominator);
        var positive = forgetLabels.unsqueeze(1).ne(retainLabels.unsqueeze(0)).to(logits.dtype); // P(i): other-class retain samples
        var count = positive.sum(1);
        var perAnchor = logProb.mul(positive).sum(1).neg().div(count.clamp_min(1));
        var valid = count.gt(0).to(logits.dtype);
        return perAnchor.mul(valid).sum().div(valid.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forget-only variant of the UUEF code's CU (github.com/yongwookim1/UUEF, unlearn/CU.py): anchors and
    /// partners are all forget samples; for anchor i, P(i) = the other forget samples of a different class, and
    /// the softmax denominator runs over every forget sample of the batch, the anchor itself included (as in
    /// that code). L_i = - mean over p in P(i) of log softmax_i(p); anchors with empty P(i) contribute 0 and the
    /// loss is the mean over all anchors (again as in that code). When all forget samples share one class
    /// (forgetting a single class) every P(i) is empty and the loss is 0: the variant does nothing there.
    /// </summary>
    /// <param name="forgetEmbeddings">F x d embeddings of forget images.</param>
    /// <param name="forgetLabels">F labels (int64).</param>
    /// <param name="temperature">t &gt; 0 (UUEF's code uses 1).</param>
    public static Tensor ForgetOnly(Tensor forgetEmbeddings, Tensor forgetLabels, double temperature)
    {
        CheckShapes(forgetEmbeddings, forgetLabels, "forget");
        CheckTemperature(temperature);
        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(forgetEmbeddings, dim: 1);
        var logits = z.matmul(z.t()).div(temperature);                                 // F x F
        var logProb = logits.sub(logits.logsumexp(1, keepdim: true));
        // Different labels already exclude the diagonal (an anchor always shares its own label).
        var partner = forgetLabels.unsqueeze(1).ne(forgetLabels.unsqueeze(0)).to(logits.dtype);
        var perAnchor = logProb.mul(partner).sum(1).neg().div(partner.sum(1).clamp_min(1));
        return perAnchor.mean().MoveToOuterDisposeScope();
    }

    static void CheckShapes(Tensor embeddings, Tensor labels, string what)
    {
        if (embeddings.dim() != 2) throw new ArgumentException($"The {what} embeddings must be N x d, got {embeddings.dim()} dimensions.");
        if (labels.dim() != 1 || labels.shape[0] != embeddings.shape[0])
            throw new ArgumentException($"The {what} labels must be one per embedding row ({embeddings.shape[0]}), got shape [{string.Join(", ", labels.shape)}].");
        if (embeddings.shape[0] == 0) throw new ArgumentException($"The {what} batch is empty.");
    }

    static void CheckTemperature(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentException($"The contrastive temperature must be positive, got {temperature}.");
    }
}
