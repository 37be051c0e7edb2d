using EraseAtCore.Metrics;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

/// <summary>
/// The Gram-form CKA centres its kernels in place to save n x n matrices: the values must be bit for bit those of
/// the out-of-place <see cref="CkaKernels.Center"/> and <see cref="CkaKernels.GramCka"/>.
/// </summary>
public sealed class CkaInPlaceTests
{
    [Fact]
    public void In_place_centring_and_gram_form_cka_give_exactly_the_out_of_place_values()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x = randn(60, 12).relu();
        var y = randn(60, 5) * 3 + 1;
        var k = CkaKernels.RbfGram(x);
        var expected = CkaKernels.Center(k);
        var centred = CkaKernels.CenterInPlace(k.clone());
        Assert.True(expected.eq(centred).all().item<bool>(), "in-place centring differs from Center");

        Assert.Equal(CkaKernels.GramCka(CkaKernels.RbfGram(x), CkaKernels.RbfGram(y)), Cka.Rbf(x, y));
        Assert.Equal(CkaKernels.GramCka(CkaKernels.LinearGram(x), CkaKernels.LinearGram(y)), Cka.Linear(x, y, false, LinearCkaForm.Gram));
        Assert.Throws<ArgumentException>(() => CkaKernels.CenterInPlace(ones(3, 3)));
    }
}
