/// plotly.js itself, for the offline report page and for notebooks (once per kernel session).
module internal EraseAtCore.Plots.PlotlyJs

open System
open System.IO
open Plotly.NET

/// The plotly.js build Plotly.NET ships as a resource (what its PlotlyJSReference.Full inlines),
/// so nothing needs the network or a second copy of plotly.js in the repository.
let source =
    lazy
        (let assembly = typeof<GenericChart>.Assembly
         let name =
             assembly.GetManifestResourceNames()
             |> Array.find (fun n -> n.EndsWith(".min.js", StringComparison.Ordinal))
         use stream =
             match assembly.GetManifestResourceStream name with
             | null -> failwith $"Plotly.NET has no resource {name}."
             | s -> s
         use reader = new StreamReader(stream)
         let js = reader.ReadToEnd()
         // Inline script text ends at the first "</script"; the shipped build has none, keep it so.
         js.Replace("</script", "<\\/script"))
