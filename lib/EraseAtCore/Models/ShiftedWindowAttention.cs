using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EraseAtCore.Models;

/// <summary>
/// Swin's multi-head self-attention inside non-overlapping windows, optionally cyclically shifted, with
/// a learned relative position bias: torchvision's <c>ShiftedWindowAttention</c> (0.14 and later), with
/// its parameter and buffer names (qkv, proj, relative_position_bias_table, relative_position_index).
/// Works on N x H x W x C; sizes that are not multiples of the window are padded at the bottom/right.
/// </summary>
public sealed class ShiftedWindowAttention : Module<Tensor, Tensor>
{
    readonly int _window, _shift, _heads;
    readonly Linear qkv, proj;
    readonly Parameter relative_position_bias_table;
    readonly Tensor relative_position_index;

    /// <summary>Attention over <paramref name="window"/> x <paramref name="window"/> windows shifted by <paramref name="shift"/> (0: unshifted).</summary>
    public ShiftedWindowAttention(int dim, int window, int shift, int heads) : base("ShiftedWindowAttention")
    {
        if (dim % heads != 0) throw new ArgumentException($"Swin attention: dim {dim} is not divisible by {heads} heads.");
        _window = window; _shift = shift; _heads = heads;
        qkv = Linear(dim, dim * 3);
        proj = Linear(dim, dim);
        relative_position_bias_table = Parameter(TruncatedNormal.Sample(0.02, (2 * window - 1) * (2 * window - 1), heads));
        relative_position_index = RelativePositionIndex(window);
        RegisterComponents();
    }

    // Entry (i, j) of the window's N x N token pairs points at the table row of their offset
    // (dh, dw), each shifted to start at 0 and packed as dh * (2w - 1) + dw, as torchvision computes it.
    static Tensor RelativePositionIndex(int window)
    {
        int n = window * window, span = 2 * window - 1;
        var index = new long[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                index[i * n + j] = (i / window - j / window + window - 1) * span + (i % window - j % window + window - 1);
        return tensor(index);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], height = input.shape[1], width = input.shape[2], channels = input.shape[3];
        int w = _window, tokens = w * w;
        long padRight = (w - width % w) % w, padBottom = (w - height % w) % w;
        var x = functional.pad(input, [0, 0, 0, padRight, 0, padBottom]);
        long paddedH = x.shape[1], paddedW = x.shape[2];
        // A window as large as the map sees all of it: shifting would only wrap it around (torchvision
        // sets the shift to 0 there, e.g. in the last stage at 224 px).
        int shiftH = w >= paddedH ? 0 : _shift, shiftW = w >= paddedW ? 0 : _shift;
        bool shifted = shiftH + shiftW > 0;
        if (shifted) x = x.roll([-shiftH, -shiftW], [1, 2]);
        long windows = paddedH / w * (paddedW / w);
        x = x.view(batch, paddedH / w, w, paddedW / w, w, channels).permute(0, 1, 3, 2, 4, 5).reshape(batch * windows, tokens, channels);

        var qkvOut = qkv.forward(x).reshape(x.shape[0], tokens, 3, _heads, channels / _heads).permute(2, 0, 3, 1, 4);
        var q = qkvOut[0].mul(Math.Pow(channels / _heads, -0.5));
        var attention = q.matmul(qkvOut[1].transpose(-2, -1)).add(RelativePositionBias());
        if (shifted)
        {
            var mask = ShiftMask(paddedH, paddedW, shiftH, shiftW).to(attention.device);
            attention = attention.view(batch, windows, _heads, tokens, tokens).add(mask.unsqueeze(1).unsqueeze(0))
                .view(-1, _heads, tokens, tokens);
        }
        attention = functional.softmax(attention, -1);
        x = attention.matmul(qkvOut[2]).transpose(1, 2).reshape(x.shape[0], tokens, channels);
        x = proj.forward(x);

        x = x.view(batch, paddedH / w, paddedW / w, w, w, channels).permute(0, 1, 3, 2, 4, 5).reshape(batch, paddedH, paddedW, channels);
        if (shifted) x = x.roll([shiftH, shiftW], [1, 2]);
        return x.slice(1, 0, height, 1).slice(2, 0, width, 1).contiguous().MoveToOuterDisposeScope();
    }

    // 1 x heads x N x N, the table rows picked by the index.
    Tensor RelativePositionBias()
    {
        int tokens = _window * _window;
        return relative_position_bias_table.index_select(0, relative_position_index)
            .view(tokens, tokens, -1).permute(2, 0, 1).contiguous().unsqueeze(0);
    }

    // windows x N x N: -100 between tokens that the cyclic shift brought together from different
    // regions of the map, 0 elsewhere. The regions are labelled with Python's slice rules, as torchvision
    // does, so a zero shift on one axis behaves exactly as there.
    Tensor ShiftMask(long height, long width, int shiftH, int shiftW)
    {
        int w = _window;
        var labels = new float[height * width];
        (long, long)[] Regions(long length, int shift) =>
            [Slice(length, 0, -w), Slice(length, -w, -shift), Slice(length, -shift, null)];
        int label = 0;
        foreach (var (rowFrom, rowTo) in Regions(height, shiftH))
            foreach (var (colFrom, colTo) in Regions(width, shiftW))
            {
                for (long r = rowFrom; r < rowTo; r++)
                    for (long c = colFrom; c < colTo; c++)
                        labels[r * width + c] = label;
                label++;
            }
        var map = tensor(labels).view(height / w, w, width / w, w).permute(0, 2, 1, 3).reshape(-1, w * w);
        var difference = map.unsqueeze(1).sub(map.unsqueeze(2));
        return where(difference.ne(0), full_like(difference, -100f), zeros_like(difference));
    }

    // Python's a[start:end] on a length: negative indices count from the end; end null is the length.
    static (long From, long To) Slice(long length, long start, long? end)
    {
        static long Resolve(long i, long length) => Math.Clamp(i < 0 ? length + i : i, 0, length);
        return (Resolve(start, length), end is null ? length : Resolve(end.Value, length));
    }
}
