namespace EraseAtCore.Plots;

// .NET Interactive finds formatters by convention: an attribute *named* TypeFormatterSourceAttribute
// whose source type has CreateTypeFormatters(), each formatter exposing MimeType and
// Format(object, TextWriter). Matching by name means this library needs no reference to
// Microsoft.DotNet.Interactive (whose own dependencies a kernel already has in other versions).

[AttributeUsage(AttributeTargets.Class)]
sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;

    public string[] PreferredMimeTypes { get; set; } = [];
}

sealed class ChartHtmlFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters() => [new ChartHtmlFormatter()];
}

sealed class ChartHtmlFormatter
{
    public string MimeType => "text/html";

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not ChartHtml chart) return false;
        writer.Write(NotebookPlotly.Session.Before(chart));
        writer.Write(chart.Html);
        return true;
    }
}
