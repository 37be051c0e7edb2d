using EraseAtCore.Plots;

namespace EraseAtCore.Tests.Plots;

/// <summary>Misaligned or mis-scaled data is refused before rendering, with a message that says where.</summary>
public sealed class ChartInputTests
{
    static readonly string[] Stages = ["s1", "s2", "s3"];

    public static TheoryData<string, Action> Refused => new()
    {
        { "Series 'FT' has 2 values but there are 3 stages", () => Charts.CkaByLayer(Stages, [new Series("FT", [0.9, 0.8])]) },
        { "The series list is empty", () => Charts.CkaByLayer(Stages, []) },
        { "The stage list is empty", () => Charts.ProbeByStage([], [new Series("FT", [])]) },
        { "The reference series 'Retrain' is not among the series (FT)", () => Charts.CkaByLayer(Stages, [new Series("FT", [1, 0.9, 0.8])], "Retrain") },
        { "Series 1 has no name", () => Charts.CkaByLayer(Stages, [new Series("FT", [1, 0.9, 0.8]), new Series(" ", [1, 0.9, 0.8])]) },
        { "Series 'FT': value 1 is infinite; use NaN", () => Charts.CkaByLayer(Stages, [new Series("FT", [1, double.PositiveInfinity, 0.8])]) },
        { "Series 'FT' errors has 2 values but there are 3 stages", () => Charts.CkaByLayer(Stages, [new Series("FT", [1, 0.9, 0.8], [0.1, 0.1])]) },
        { "Series 'FT': error 0 is -0.1", () => Charts.CkaByLayer(Stages, [new Series("FT", [1, 0.9, 0.8], [-0.1, 0, 0])]) },
        { "pass 0.95, not 95", () => Charts.ProbeByStage(Stages, [new Series("FT", [95, 90, 80])]) },
        { "TA has 1 value but there are 2 methods", () => Charts.AccuracyBars(["A", "B"], [0.1, 0.2], [0.9, 0.9], [0.8]) },
        { "UA: value 0 is -0.1", () => Charts.AccuracyBars(["A"], [-0.1], [0.9], [0.8]) },
        { "Series 'SalUn' has 2 values but there are 3 steps", () => Charts.RelearningCurves([new StepSeries("SalUn", [0, 1, 2], [0.1, 0.2])]) },
        { "The steps of series 'train' is empty", () => Charts.LossCurves([new StepSeries("train", [], [])]) },
        { "The steps of series 'train': value 1 is NaN", () => Charts.LossCurves([new StepSeries("train", [0, double.NaN], [1, 2])]) },
        { "Panel 0 ('Original'): Labels has 1 value but there are 2 X values", () => Charts.Projection([new ProjectionPanel("Original", [0, 1], [0, 1], [0], ["a"], [])]) },
        { "Panel 0 ('Original'): label 1 is 5, outside the 2 class names", () => Charts.Projection([new ProjectionPanel("Original", [0, 1], [0, 1], [0, 5], ["a", "b"], [])]) },
        { "highlighted class 2 is outside the 2 class names", () => Charts.Projection([new ProjectionPanel("Original", [0, 1], [0, 1], [0, 1], ["a", "b"], [2])]) },
        { "Row 1 has 1 value but there are 2 headers", () => Charts.Table(["a", "b"], [["1", "2"], ["3"]]) },
        { "The page needs a title", () => Charts.Page(" ", []) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_input_is_refused_with_a_message_that_says_where(string message, Action draw)
    {
        var error = Assert.ThrowsAny<ArgumentException>(draw);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void NaN_values_are_gaps_not_errors()
    {
        var chart = Charts.ProbeByStage(Stages, [new Series("FT", [double.NaN, 0.5, double.NaN])]);
        Assert.Contains("\"y\":[\"NaN\",0.5,\"NaN\"]", chart.Html);
    }
}
