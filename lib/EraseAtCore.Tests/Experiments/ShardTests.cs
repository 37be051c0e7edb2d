using EraseAtCore.Experiments;

namespace EraseAtCore.Tests.Experiments;

/// <summary>Shards are dealt by estimated cost: every item once, loads close together, the same split every time.</summary>
public sealed class ShardTests
{
    [Fact]
    public void Balance_deals_the_costliest_first_to_the_lightest_shard()
    {
        // Retrain 6, FT 3, NegGrad+ 3, GA 1, RL 1 into 2 shards: 6 | 3+3, GA to shard 1 on the tie (7 | 6), RL to shard 2 (7 | 7).
        var owner = Shard.Balance([6, 3, 3, 1, 1], 2);
        Assert.Equal([0, 1, 1, 0, 1], owner);
    }

    [Fact]
    public void Balance_gives_every_item_one_shard_and_keeps_loads_within_the_costliest_item()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            var costs = Enumerable.Range(0, random.Next(1, 40)).Select(_ => (double)random.Next(1, 7)).ToList();
            int count = random.Next(1, costs.Count + 1);
            var owner = Shard.Balance(costs, count);
            Assert.Equal(costs.Count, owner.Length);
            Assert.All(owner, o => Assert.InRange(o, 0, count - 1));
            var loads = Enumerable.Range(0, count).Select(s => costs.Where((_, i) => owner[i] == s).Sum()).ToList();
            Assert.True(loads.Max() - loads.Min() <= costs.Max(), $"loads {string.Join(", ", loads)} for costs {string.Join(", ", costs)}");
            Assert.All(loads, l => Assert.True(l > 0, "a shard got nothing although there are enough items"));
            Assert.Equal(owner, Shard.Balance(costs, count));
        }
    }

    [Fact]
    public void By_cost_the_heaviest_shard_is_lighter_than_by_count()
    {
        // original, retrain, ga, rl, ft, neggrad+ into 3 shards. Round robin (item i to shard i mod 3): 6+1, 6+3, 1+3, heaviest 9.
        double[] costs = [6, 6, 1, 1, 3, 3];
        var owner = Shard.Balance(costs, 3);
        double Heaviest(Func<int, int> shardOf) => Enumerable.Range(0, 3).Max(s => costs.Where((_, i) => shardOf(i) == s).Sum());
        Assert.Equal(9, Heaviest(i => i % 3));
        Assert.Equal(7, Heaviest(i => owner[i]));
    }

    [Fact]
    public void Take_keeps_the_items_order_and_Parse_reads_one_based_text()
    {
        var shard = Shard.Parse("2/2");
        Assert.Equal(new Shard(1, 2), shard);
        Assert.Equal(["b", "c"], shard.Take(["a", "b", "c"], s => s == "a" ? 5 : 1));
        Assert.Equal("2/2", shard.ToString());
        Assert.Contains("1 <= i <= n", Assert.Throws<ArgumentException>(() => Shard.Parse("0/2")).Message);
    }
}
