using System.Text.Json.Nodes;

namespace FraudDetection.Tests;

public class SolutionLayoutTests
{
    [Fact]
    public void Topic_names_are_unique_and_lower_case()
    {
        FraudDetection.Core.Messaging.Topics.All.Should().OnlyHaveUniqueItems()
            .And.OnlyContain(t => t == t.ToLowerInvariant());
    }

    [Theory]
    [InlineData("DevKafka")]
    [InlineData("Graph")]
    [InlineData("Notifier")]
    [InlineData("Producer")]
    [InlineData("Scoring")]
    [InlineData("Training")]
    [InlineData("Web")]
    public void Every_service_runs_fully_compiled_from_the_start(string service)
    {
        // Each service's runtime settings are copied beside the tests with its assembly.
        var path = Path.Combine(AppContext.BaseDirectory, $"FraudDetection.{service}.runtimeconfig.json");
        var settings = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!;

        var tiered = settings["System.Runtime.TieredCompilation"];
        tiered.Should().NotBeNull("the project sets TieredCompilation");
        tiered!.GetValue<bool>().Should().BeFalse("tiered code that timers reach every few seconds is still recompiled minutes into a run");
    }
}
