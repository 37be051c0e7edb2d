using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EraseAtCore.CpuProbe;

/// <summary>
/// A ResNet of widths 4, 8, 16, 32 on 28x28 inputs, one basic block per stage: the convolution shapes (3x3 at
/// strides 1 and 2, 1x1 shortcuts) of the kit's smallest test model, whose same-seed training drifted on new
/// threads with oneDNN on AVX2 where this probe's plainer convolutions did not.
/// </summary>
sealed class TinyResNet : nn.Module<Tensor, Tensor>
{
    readonly Sequential _body;
    readonly Linear _head;

    public TinyResNet() : base(nameof(TinyResNet))
    {
        _body = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding: 1, bias: false), nn.BatchNorm2d(4), nn.ReLU(),
            new Block(4, 4, 1), new Block(4, 8, 2), new Block(8, 16, 2), new Block(16, 32, 2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten());
        _head = nn.Linear(32, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _head.forward(_body.forward(input));

    sealed class Block : nn.Module<Tensor, Tensor>
    {
        readonly Sequential _main;
        readonly Sequential? _shortcut;

        public Block(int inChannels, int outChannels, int stride) : base(nameof(Block))
        {
            _main = nn.Sequential(
                nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false), nn.BatchNorm2d(outChannels), nn.ReLU(),
                nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false), nn.BatchNorm2d(outChannels));
            if (stride != 1 || inChannels != outChannels)
                _shortcut = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) =>
            nn.functional.relu(_main.forward(input) + (_shortcut is null ? input : _shortcut.forward(input)));
    }
}
