using EraseAtCore.Data;
using EraseAtCore.Metrics;
using EraseAtCore.Models;
using EraseAtCore.Runtime;
using static TorchSharp.torch;

namespace EraseAtCore.Tests.Metrics;

public sealed class FeatureExtractionTests
{
    static readonly Dataset Data = FashionMnist.Load();
    static readonly ImageSet Small = MiniSubset.Stratified(Data.Test, 7, seed: 0); // 70 images: batches of 32 leave a partial one

    public FeatureExtractionTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Features_match_a_direct_forward_pass_image_by_image()
    {
        Seeding.Seed(0);
        using var model = ResNet.ResNet18(1, 10, 4);
        using var features = FeatureExtractor.Extract(model, Small, new Feed(Normalization.FashionMnist, CPU), batchSize: 32);
        Assert.Equal(70, features.Count);
        Assert.Equal(["layer1", "layer2", "layer3", "layer4"], features.Stages.Keys);
        Assert.Equal(new long[] { 70, 4 }, features.Stages["layer1"].shape);
        Assert.Equal(new long[] { 70, 32 }, features.Stages["layer4"].shape);
        Assert.Equal(Small.Labels.Select(l => (long)l), features.Labels.data<long>().ToArray());

        using var scope = NewDisposeScope();
        model.eval();
        var batch = new BatchLoader(Small, new BatchOptions(70, Normalize: Normalization.FashionMnist)).Epoch().Single();
        using (no_grad())
        {
            var direct = model.ForwardWithStages(batch.Images, ["layer3"]);
            Assert.True(allclose(direct.Stages["layer3"].mean([2, 3]), features.Stages["layer3"], 1e-4, 1e-5));
            Assert.True(allclose(direct.Logits, features.Logits, 1e-4, 1e-5));
        }
    }

    [Fact]
    public void Flattened_form_keeps_every_value_and_vit_tokens_pool_over_tokens()
    {
        Seeding.Seed(0);
        using var resnet = ResNet.ResNet18(1, 10, 4);
        using var flat = FeatureExtractor.Extract(resnet, Small, new Feed(Normalization.FashionMnist, CPU), ["layer2"], FeatureForm.Flattened);
        Assert.Equal(new long[] { 70, 8 * 14 * 14 }, flat.Stages["layer2"].shape);

        using var vit = new VisionTransformer(new ModelSpec("vit", 1, 10) { Dim = 16, Depth = 2, Heads = 2, PatchSize = 7 });
        using var pooled = FeatureExtractor.Extract(vit, Small, new Feed(Normalization.FashionMnist, CPU));
        Assert.Equal(["block1", "block2"], pooled.Stages.Keys);
        Assert.Equal(new long[] { 70, 16 }, pooled.Stages["block2"].shape);
    }

    [Fact]
    public void Extraction_restores_training_mode_and_rejects_unknown_stages()
    {
        using var model = ResNet.ResNet18(1, 10, 4);
        model.train();
        using (FeatureExtractor.Extract(model, Small, new Feed(Normalization.FashionMnist, CPU), ["layer1"])) { }
        Assert.True(model.training);
        Assert.Throws<ArgumentException>(() => FeatureExtractor.Extract(model, Small, new Feed(Normalization.FashionMnist, CPU), ["conv9"]));
    }
}
