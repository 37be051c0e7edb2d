namespace EraseAtCore.Plots;

/// <summary>One method's values, one per stage (or per category) of a chart's x axis.</summary>
/// <param name="Name">Legend label, e.g. the method name ("Retrain", "SalUn").</param>
/// <param name="Values">One value per x position; <see cref="double.NaN"/> leaves a gap.</param>
/// <param name="Errors">Optional error-bar half-lengths, one per value (e.g. the std over seeds); null draws none.</param>
public sealed record Series(string Name, IReadOnlyList<double> Values, IReadOnlyList<double>? Errors = null);

/// <summary>One run's values against a numeric x axis (fine-tuning or training steps).</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Steps">The x value of each point.</param>
/// <param name="Values">One value per step; <see cref="double.NaN"/> leaves a gap.</param>
public sealed record StepSeries(string Name, IReadOnlyList<double> Steps, IReadOnlyList<double> Values);

/// <summary>One panel of <see cref="Charts.Projection"/>: 2-D points (e.g. the first two principal
/// components of last-stage features) and their class labels.</summary>
/// <param name="Title">Panel title, e.g. the model ("Original", "Retrain").</param>
/// <param name="X">First coordinate of each point.</param>
/// <param name="Y">Second coordinate of each point.</param>
/// <param name="Labels">Class index of each point, into <paramref name="ClassNames"/>.</param>
/// <param name="ClassNames">Name of each class; a class keeps its colour in every panel.</param>
/// <param name="HighlightClasses">Classes to draw larger and outlined: the forget classes.</param>
public sealed record ProjectionPanel(
    string Title,
    IReadOnlyList<double> X,
    IReadOnlyList<double> Y,
    IReadOnlyList<int> Labels,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<int> HighlightClasses);

/// <summary>One section of a <see cref="Charts.Page"/>: a heading, optional prose, then a chart or table.</summary>
/// <param name="Heading">Section heading (plain text).</param>
/// <param name="Content">A chart or table from <see cref="Charts"/>, or <see cref="ChartHtml.FromHtml"/>.</param>
/// <param name="Prose">Plain text shown above the content; blank lines separate paragraphs.</param>
public sealed record PageSection(string Heading, ChartHtml Content, string? Prose = null);
