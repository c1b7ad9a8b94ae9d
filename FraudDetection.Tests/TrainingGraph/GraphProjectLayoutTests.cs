using System.Xml.Linq;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>The graph model stays out of the live services: only Training references its project, and it references only Core.</summary>
public class GraphProjectLayoutTests
{
    private const string GraphProject = "FraudDetection.Training.Graph";

    private static IEnumerable<string> References(string project) =>
        XDocument.Load(Path.Combine(RepoPaths.Root, project, $"{project}.csproj"))
            .Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));

    [Fact]
    public void No_live_service_references_the_graph_model()
    {
        var projects = Directory.EnumerateFiles(RepoPaths.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToList();
        projects.Should().Contain(GraphProject);

        var referencing = projects.Where(p => p != GraphProject && References(p).Contains(GraphProject)).ToList();

        referencing.Should().BeSubsetOf(["FraudDetection.Training", "FraudDetection.Tests", "FraudDetection.Benchmarks"],
            "Scoring, Producer, Notifier, Graph, Web and Core never load the graph model");
        References(GraphProject).Should().Equal("FraudDetection.Core");
    }
}
